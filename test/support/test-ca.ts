// A certificate authority made at test time with openssl, and server certificates
// it signs: TLS on loopback that real clients verify with AWS_CA_BUNDLE.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  /** The CA certificate's PEM file: what AWS_CA_BUNDLE names. */
  caFile: string;
  /** A key and certificate for these names (DNS names, or IP addresses). */
  issue(names: readonly string[]): { key: string; cert: string };
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

export function createTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'war-ca-'));
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=with-assumed-role test CA',
    ],
    dir,
  );
  let serial = 0;
  return {
    caFile: join(dir, 'ca.pem'),
    issue(names) {
      serial += 1;
      const san = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
      writeFileSync(
        join(dir, `ext${serial}.cnf`),
        `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
      );
      openssl(
        ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `s${serial}.key`, '-out', `s${serial}.csr`, '-subj', `/CN=${names[0]}`],
        dir,
      );
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `s${serial}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-out',
          `s${serial}.pem`,
          '-days',
          '2',
          '-extfile',
          `ext${serial}.cnf`,
        ],
        dir,
      );
      return { key: readFileSync(join(dir, `s${serial}.key`), 'utf8'), cert: readFileSync(join(dir, `s${serial}.pem`), 'utf8') };
    },
  };
}
