/*
 * withAssumedRole: run a command, or a block of steps, with the credentials of an
 * IAM role assumed from the agent's own (instance profile, profile, or the keys of
 * an enclosing withCredentials). Help: vars/withAssumedRole.txt.
 *
 * Secrets never pass through this file. Parameters reach the shipped CLI as
 * WITH_ASSUMED_ROLE_* variables through withEnv and single-quoted sh scripts, so no
 * value is ever shell text; the CLI writes credentials only to the child's
 * environment or to a 0600 cache file in the step's own temporary folder.
 */

/** Step parameter -> CLI setting (WITH_ASSUMED_ROLE_<name>). */
Map<String, String> settingNames() {
    return [
        roleArn: 'ROLE_ARN',
        role: 'ROLE',
        account: 'ACCOUNT',
        sessionName: 'SESSION_NAME',
        project: 'PROJECT',
        environment: 'ENVIRONMENT',
        duration: 'DURATION',
        region: 'REGION',
        externalId: 'EXTERNAL_ID',
        profile: 'PROFILE',
    ]
}

List<String> stepParameters() {
    return ['command', 'returnStatus', 'node', 'cli']
}

/** What the CLI's wrapper exit codes mean, for the step's error message. */
String describeExitCode(int status) {
    Map<Integer, String> meanings = [
        64: 'a parameter is not valid',
        70: 'internal error',
        75: 'STS failed or timed out after retries',
        77: 'STS refused the credentials or the role',
        78: 'configuration: no source credentials, or a limit exceeded',
        126: 'the command cannot be executed',
        127: 'the command was not found',
    ]
    return meanings[status] ?: 'the command failed'
}

void checkArguments(Map args, Closure body) {
    List<String> allowed = settingNames().keySet().toList() + stepParameters()
    for (String name in args.keySet()) {
        if (!allowed.contains(name)) {
            error("withAssumedRole: unknown parameter '${name}'; allowed: ${allowed.join(', ')}")
        }
    }
    if (body == null && !args.command) {
        error('withAssumedRole: give a block { ... } or command: \'...\'')
    }
    if (body != null && args.command) {
        error('withAssumedRole: give a block or command:, not both')
    }
    if (args.containsKey('returnStatus') && !args.command) {
        error('withAssumedRole: returnStatus applies to command: only; a block returns what its last step returns')
    }
    for (String name in ['node', 'cli']) {
        String value = args[name] == null ? '' : args[name].toString()
        if (value.contains("'") || value.contains('\n')) {
            error("withAssumedRole: ${name} must not contain quotes or newlines")
        }
    }
}

/** The CLI settings as withEnv entries: values stay data, never shell text. */
List<String> settingsEnvironment(Map args) {
    List<String> entries = []
    Map<String, String> names = settingNames()
    for (String name in names.keySet()) {
        if (args[name] != null) {
            entries << "WITH_ASSUMED_ROLE_${names[name]}=${args[name]}"
        }
    }
    return entries
}

/** The shipped CLI, written out of the library resources (or the installed one named by cli:). */
Map prepareCli(Map args, String tmp) {
    if (args.cli) {
        return [command: '"$WAR_CLI"', cli: args.cli.toString(), node: '']
    }
    String cli = "${tmp}/with-assumed-role.cjs"
    writeFile(file: cli, text: libraryResource('with-assumed-role/with-assumed-role.cjs'))
    return [command: '"$WAR_NODE" -- "$WAR_CLI"', cli: cli, node: (args.node ?: 'node').toString()]
}

/** A fresh 0700 folder (mktemp) under the build's temporary folder, and the compile cache beside it. */
Map makeStepFolder() {
    String base = pwd(tmp: true)
    String folder = ''
    withEnv(["WAR_TMP_BASE=${base}"]) {
        String script = 'mkdir -p "$WAR_TMP_BASE" && mktemp -d "$WAR_TMP_BASE/with-assumed-role.XXXXXX"'
        folder = sh(script: script, returnStdout: true, label: 'withAssumedRole: temporary folder').trim()
    }
    if (folder.contains("'") || folder.contains('\n')) {
        error('withAssumedRole: the build\'s temporary folder path holds a quote; move the workspace')
    }
    return [path: folder, compileCache: "${base}/with-assumed-role-compile-cache"]
}

void removeStepFolder(String folder) {
    withEnv(["WAR_DIR=${folder}"]) {
        sh(script: 'rm -rf "$WAR_DIR"', label: 'withAssumedRole: clean up')
    }
}

/** Command form: the CLI runs the command with the credentials, output masked. */
def runCommand(Map args, Map cli, Map folder) {
    List<String> environment = settingsEnvironment(args) + [
        "WAR_NODE=${cli.node}",
        "WAR_CLI=${cli.cli}",
        "WAR_COMMAND=${args.command}",
        'WITH_ASSUMED_ROLE_MASK=true',
        "NODE_COMPILE_CACHE=${folder.compileCache}",
    ]
    int status = 0
    withEnv(environment) {
        status = sh(script: cli.command + ' -- /bin/sh -c "$WAR_COMMAND"', returnStatus: true, label: 'withAssumedRole')
    }
    if (args.returnStatus) {
        return status
    }
    if (status != 0) {
        error("withAssumedRole: exit code ${status}: ${describeExitCode(status)} (see the log above)")
    }
    return null
}

/**
 * Block form: fill the credential cache once (failing fast), then give the body an
 * AWS profile whose credential_process answers from that cache and refreshes it.
 * The body sees no source keys, so botocore cannot prefer them over the profile.
 */
def runBlock(Map args, Map cli, Map folder, Closure body) {
    String cache = "${folder.path}/credentials.json"
    String config = "${folder.path}/aws-config"
    String profile = 'with-assumed-role'
    List<String> first = settingsEnvironment(args) + [
        "WAR_NODE=${cli.node}",
        "WAR_CLI=${cli.cli}",
        "WAR_CACHE=${cache}",
        "NODE_COMPILE_CACHE=${folder.compileCache}",
    ]
    int status = 0
    withEnv(first) {
        String script = cli.command + ' print --format process --cache-file "$WAR_CACHE" > /dev/null'
        status = sh(script: script, returnStatus: true, label: 'withAssumedRole')
    }
    if (status != 0) {
        error("withAssumedRole: exit code ${status}: ${describeExitCode(status)} (see the log above)")
    }
    // Single quotes suit both readers: botocore splits the line like a POSIX shell, the JS SDK runs it in one.
    String process = "'${cli.cli}'"
    if (cli.node) {
        process = "env 'NODE_COMPILE_CACHE=${folder.compileCache}' '${cli.node}' -- '${cli.cli}'"
    }
    String line = "${process} print --quiet --format process --cache-file '${cache}'"
    writeFile(file: config, text: "[profile ${profile}]\ncredential_process = ${line}\n")
    List<String> inside = [
        "AWS_CONFIG_FILE=${config}",
        "AWS_PROFILE=${profile}",
        'AWS_DEFAULT_PROFILE=',
        'AWS_ACCESS_KEY_ID=',
        'AWS_SECRET_ACCESS_KEY=',
        'AWS_SESSION_TOKEN=',
        'AWS_SECURITY_TOKEN=',
        'AWS_CREDENTIAL_EXPIRATION=',
        'AWS_WEB_IDENTITY_TOKEN_FILE=',
        'AWS_ROLE_ARN=',
        'AWS_ROLE_SESSION_NAME=',
    ]
    if (args.region) {
        inside += ["AWS_REGION=${args.region}", "AWS_DEFAULT_REGION=${args.region}"]
    }
    def result = null
    withEnv(inside) {
        result = body()
    }
    return result
}

def call(Map args = [:], Closure body = null) {
    checkArguments(args, body)
    Map folder = makeStepFolder()
    try {
        Map cli = prepareCli(args, folder.path)
        return body == null ? runCommand(args, cli, folder) : runBlock(args, cli, folder, body)
    } finally {
        removeStepFolder(folder.path)
    }
}
