// Merged settings -> one typed, validated options object per command: the shared
// readers (setting-readers.ts) and the parts each command takes (source, target,
// policies) assembled per command. Pure.
import { DEFAULT_REFRESH_LIMIT_SECONDS, parseSeconds } from '../domain/duration.ts';
import { isCi } from '../domain/environment.ts';
import { UsageError } from '../domain/errors.ts';
import type { RoleTarget } from '../domain/role-request.ts';
import type { Verbosity } from '../output/reporter.ts';
import type { CommonOptions, Options } from './command-options.ts';
import type { CommandName } from './definitions.ts';
import { normalizePolicies } from './policies-settings.ts';
import { reproductionArguments, stepCall } from './reproduce.ts';
import { checkRegion, choice, flag, nonEmpty } from './setting-readers.ts';
import type { Settings } from './settings.ts';
import { checkNotResolvingItself, regionOf, sourceOptions } from './source-settings.ts';
import { jenkinsProject, roleTarget, type TargetContext } from './target-settings.ts';

export interface NormalizeContext extends TargetContext {
  fileEnvironment: Record<string, string>;
  /** What identifies this invocation (invocation-key.ts). */
  invocation: string;
  /** Arguments after `--`. */
  commandArgv: string[];
}

function verbosityOf(settings: Settings): Verbosity {
  const verbose = flag(settings.verbose) === true;
  const quiet = flag(settings.quiet) === true;
  if (verbose && quiet) {
    throw new UsageError(`${settings.verbose?.source} and ${settings.quiet?.source}: cannot both be on`, {
      fix: 'choose one of --verbose and --quiet',
    });
  }
  return verbose ? 'verbose' : quiet ? 'quiet' : 'normal';
}

/** A person's session cache: asked for, else on outside CI (a build's credentials are the agent's, not a person's). */
function sessionCacheOf(settings: Settings, context: NormalizeContext): boolean {
  return flag(settings['session-cache']) ?? !isCi(context.env);
}

/** Validates and types the merged settings of `command`. Throws UsageError naming the input. */
export function normalizeOptions(command: CommandName, settings: Settings, context: NormalizeContext): Options {
  const common: CommonOptions = { verbosity: verbosityOf(settings), fileEnvironment: context.fileEnvironment };
  if (command !== 'exec' && context.commandArgv.length > 0) {
    throw new UsageError(`-- ${context.commandArgv.join(' ')}: ${command} runs no command`, {
      fix: `drop everything from -- on, or leave out "${command}"`,
    });
  }
  checkNotResolvingItself(settings, context.env);
  switch (command) {
    case 'exec': {
      const region = regionOf(settings, context.env);
      const [file, ...args] = context.commandArgv;
      const dryRun = flag(settings['dry-run']) === true;
      const target = roleTarget(settings, context, region, true) as RoleTarget;
      if (file === undefined || file === '') {
        throw new UsageError('no command to run: put it after --', { fix: 'withAssumedRole [options] -- ./deploy.sh' });
      }
      const mask = flag(settings.mask);
      const grace = nonEmpty(settings['kill-grace']);
      return {
        ...common,
        command,
        source: sourceOptions(settings, region),
        target,
        argv: [file, ...args],
        dryRun,
        mask: mask ?? isCi(context.env),
        maskOrigin:
          mask === undefined
            ? isCi(context.env)
              ? 'on: CI detected'
              : 'off: no CI detected'
            : `${mask ? 'on' : 'off'}: ${settings.mask?.source}`,
        killGraceSeconds: grace === undefined ? 10 : parseSeconds(grace, settings['kill-grace']?.source ?? '--kill-grace'),
        refresh: flag(settings.refresh) === true,
        reproduction: reproductionArguments(settings, jenkinsProject(settings, context)),
        stepCall: stepCall(settings, [file, ...args]),
        sessionCache: sessionCacheOf(settings, context),
      };
    }
    case 'print': {
      const region = regionOf(settings, context.env);
      const cacheFile = nonEmpty(settings['cache-file']);
      const target = roleTarget(settings, context, region, cacheFile === undefined);
      if (cacheFile !== undefined && target?.sessionNameOrigin.includes('directory name')) {
        throw new UsageError(
          `--cache-file ${cacheFile}: the session name would be derived from the current directory's name, so every directory a tool runs in would need a role session of its own`,
          { fix: 'add --project <name> (or --session-name) to the line, so the session name does not depend on where it runs' },
        );
      }
      return {
        ...common,
        command,
        source: sourceOptions(settings, region),
        target,
        format: choice(settings.format, ['env', 'process', 'json'], 'env'),
        cacheFile,
        invocation: context.invocation,
        // print --cache-file is a cache of its own (the Jenkins block's).
        sessionCache: cacheFile === undefined && sessionCacheOf(settings, context),
      };
    }
    case 'serve': {
      const region = regionOf(settings, context.env);
      const dir = nonEmpty(settings.dir);
      if (dir === undefined) {
        throw new UsageError('--dir is required: the folder to share the credentials in', {
          fix: 'pass --dir with a folder of your own, mode 0700 (mktemp -d makes one)',
        });
      }
      const check = flag(settings.check) === true;
      const background = flag(settings.background) === true;
      const stop = flag(settings.stop) === true;
      const limit = nonEmpty(settings['refresh-limit']);
      return {
        ...common,
        command,
        source: sourceOptions(settings, region),
        target: roleTarget(settings, context, region, !check && !background && !stop),
        dir,
        credentials: choice(settings.credentials, ['auto', 'role', 'source'], 'auto'),
        check,
        background,
        stop,
        refreshLimitSeconds:
          limit === undefined ? DEFAULT_REFRESH_LIMIT_SECONDS : parseSeconds(limit, settings['refresh-limit']?.source ?? '--refresh-limit'),
        reproduction: reproductionArguments(settings, jenkinsProject(settings, context)),
      };
    }
    case 'verify': {
      const list = nonEmpty(settings.region);
      const regions = (list ?? regionOf(settings, context.env) ?? 'us-east-1')
        .split(',')
        .map((region) => region.trim())
        .filter((region) => region !== '')
        .map((region) => checkRegion(region, settings.region?.source ?? '--region') as string);
      const stsRegion = regions[0];
      return {
        ...common,
        command,
        source: sourceOptions(settings, stsRegion),
        target: roleTarget(settings, context, stsRegion, true) as RoleTarget,
        regions,
        json: flag(settings.json) === true,
        sessionCache: sessionCacheOf(settings, context),
      };
    }
    case 'doctor': {
      const region = regionOf(settings, context.env);
      return { ...common, command, source: sourceOptions(settings, region), target: roleTarget(settings, context, region, false) };
    }
    case 'policies':
      return normalizePolicies(settings, common);
    case 'forget':
      return { ...common, command };
    case 'jenkins':
      return { ...common, command, action: choice(settings.action, ['begin', 'end', 'run'], 'run') };
  }
}
