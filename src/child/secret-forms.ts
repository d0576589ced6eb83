// The byte sequences a secret shows up as in output: as is, URL-encoded (query
// strings, form bodies: '/', '+', '=' become %2F, %2B, %3D, in either case) and
// JSON-escaped ('/' as '\/'). Pure.

function urlEncoded(secret: string, lowercase: boolean): string {
  const encoded = encodeURIComponent(secret);
  return lowercase ? encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()) : encoded;
}

/** Every printed form of each secret, longest first, without duplicates or empties. */
export function secretForms(secrets: readonly string[]): Buffer[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(urlEncoded(secret, false));
    forms.add(urlEncoded(secret, true));
    forms.add(secret.replaceAll('/', '\\/'));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...forms].sort((a, b) => b.length - a.length).map((form) => Buffer.from(form));
}
