/*
 * withAssumedRole: run a command, or a block of steps, with the credentials of an
 * IAM role assumed from the agent's own (instance profile, profile, or the keys of
 * an enclosing withCredentials). Help: vars/withAssumedRole.txt; docs/jenkins.md.
 *
 * Secrets never pass through this file. Parameters reach the shipped CLI as
 * WITH_ASSUMED_ROLE_* variables through withEnv, each `$` doubled since withEnv
 * expands its values, and single-quoted sh scripts name them, so a value is data,
 * never shell text. Decisions and messages live in the CLI; this file passes
 * parameters, runs the CLI, and binds what only Jenkins can bind: the body.
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
        credentials: 'CREDENTIALS',
        refresh: 'REFRESH',
        envFile: 'ENV_FILE',
        proxy: 'PROXY',
        tags: 'TAG',
        transitiveTags: 'TRANSITIVE_TAG',
        jenkinsTags: 'JENKINS_TAGS',
        sourceIdentity: 'SOURCE_IDENTITY',
        allowedAccounts: 'ALLOWED_ACCOUNT',
        policy: 'POLICY',
        policyArns: 'POLICY_ARN',
    ]
}

List<String> stepParameters() {
    return ['command', 'returnStatus', 'node', 'cli', 'oidcCredentialsId']
}

/** What the CLI's wrapper exit codes mean, for the step's error message. */
String describeExitCode(int status) {
    Map<Integer, String> meanings = [
        64: 'a parameter is not valid',
        69: 'no usable Node.js where the step runs',
        70: 'internal error',
        75: 'STS failed or timed out after retries',
        77: 'STS refused the credentials or the role',
        78: 'configuration: no source credentials, a limit exceeded, or an agent variable that would win over the role',
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
    if (args.containsKey('refresh') && !args.command) {
        error('withAssumedRole: refresh applies to command: only; a block\'s credentials always refresh')
    }
    if (args.oidcCredentialsId && args.credentials == 'source') {
        error('withAssumedRole: credentials: \'source\' with oidcCredentialsId: there are no source credentials; leave credentials out')
    }
    if (args.containsKey('credentials') && args.command) {
        error('withAssumedRole: credentials applies to a block only; command: builds its environment itself')
    }
}

/** withEnv expands $NAME and turns $$ into $: every $ doubled, a value arrives as written. */
String data(Object value) {
    return value.toString().replace('$', '$$')
}

/**
 * A parameter as the CLI reads its variable: a list one item per line, a map (tags)
 * one KEY=VALUE per line, each line ended, so that the CLI reads lines even for one
 * item and no value can be read as a separator. instanceof is an operator, which the
 * sandbox allows where a method call might not be whitelisted.
 */
/* groovylint-disable Instanceof */
String settingText(Object value) {
    if (value instanceof Map) {
        List<String> lines = []
        for (Object key in value.keySet()) {
            lines << "${key}=${value[key]}"
        }
        return lines.join('\n') + '\n'
    }
    return value instanceof List ? value.join('\n') + '\n' : value.toString()
}
/* groovylint-enable Instanceof */

/** The CLI settings as withEnv entries. */
List<String> settingsEnvironment(Map args) {
    List<String> entries = []
    Map<String, String> names = settingNames()
    for (String name in names.keySet()) {
        if (args[name] != null) {
            entries << "WITH_ASSUMED_ROLE_${names[name]}=${data(settingText(args[name]))}"
        }
    }
    return entries
}

/** The shipped CLI, written out of the library resources (or the installed one named by cli:). */
Map prepareCli(Map args, String folder) {
    if (args.cli) {
        return [command: '"$WAR_CLI"', environment: ["WAR_CLI=${data(args.cli)}"]]
    }
    String cli = "${folder}/with-assumed-role.cjs"
    writeFile(file: cli, text: libraryResource('with-assumed-role/with-assumed-role.cjs'))
    // Without a usable node, say so in one line with the fixes, not just "node: not found".
    String command = 'if ! [ -x "$(command -v "$WAR_NODE")" ]; then ' +
        'echo "withAssumedRole: $WAR_NODE: not found here; the step runs its CLI with Node.js 22 or newer. ' +
        'Call the step outside the container, use an image with node 22+, or pass node: or cli:" >&2; exit 69; fi; ' +
        '"$WAR_NODE" -- "$WAR_CLI"'
    return [command: command, environment: ["WAR_NODE=${data(args.node ?: 'node')}", "WAR_CLI=${data(cli)}"]]
}

/** A fresh 0700 folder (mktemp) under the build's temporary folder. */
String makeStepFolder() {
    String base = pwd(tmp: true)
    String folder = ''
    withEnv(["WAR_TMP_BASE=${data(base)}"]) {
        String script = 'mkdir -p "$WAR_TMP_BASE" && mktemp -d "$WAR_TMP_BASE/with-assumed-role.XXXXXX"'
        folder = sh(script: script, returnStdout: true, label: 'withAssumedRole: temporary folder').trim()
    }
    if (folder.contains('\'') || folder.contains('\n')) {
        error('withAssumedRole: the build\'s temporary folder path holds a quote or a newline; move the workspace')
    }
    return folder
}

/**
 * oidcCredentialsId: the build's OpenID Connect id token, copied into the step's
 * folder (0600) for the CLI alone, whichever kind the credentials are: "id token"
 * (secret text) or "id token as file". The shell copies it; Groovy never holds it.
 * Returns the setting that names the copy.
 */
List<String> copyIdToken(String credentialsId, String folder) {
    String copy = "${folder}/web-identity-token"
    withEnv(["WAR_ID_TOKEN_COPY=${data(copy)}"]) {
        try {
            withCredentials([string(credentialsId: credentialsId, variable: 'WAR_ID_TOKEN')]) {
                sh(script: 'set +x; umask 077; printf "%s" "$WAR_ID_TOKEN" > "$WAR_ID_TOKEN_COPY"', label: 'withAssumedRole: id token')
            }
        } catch (asText) {
            try {
                withCredentials([file(credentialsId: credentialsId, variable: 'WAR_ID_TOKEN_FILE')]) {
                    sh(script: 'set +x; umask 077; cat "$WAR_ID_TOKEN_FILE" > "$WAR_ID_TOKEN_COPY"', label: 'withAssumedRole: id token')
                }
            } catch (asFile) {
                error("withAssumedRole: oidcCredentialsId '${credentialsId}': not usable as an id token " +
                    "(as text: ${asText.message}; as a file: ${asFile.message})")
            }
        }
    }
    return ["WITH_ASSUMED_ROLE_WEB_IDENTITY_TOKEN_FILE=${data(copy)}"]
}

/** Shows what the background refresh logged, stops it, and removes the folder (serve --stop). */
void removeStepFolder(String folder, Map cli) {
    withEnv(cli.environment + ["WAR_DIR=${data(folder)}"]) {
        String script = 'if [ -f "$WAR_DIR/request.json" ]; then (' + cli.command + ' serve --stop --dir "$WAR_DIR"); fi; rm -rf "$WAR_DIR"'
        sh(script: script, label: 'withAssumedRole: clean up')
    }
}

void failOn(int status) {
    if (status != 0) {
        error("withAssumedRole: exit code ${status}: ${describeExitCode(status)} (see the log above)")
    }
}

/** Command form: the CLI runs the command with the credentials, output masked. */
def runCommand(Map args, Map cli, String folder) {
    List<String> environment = settingsEnvironment(args) + cli.environment + [
        "WAR_COMMAND=${data(args.command)}",
        'WITH_ASSUMED_ROLE_MASK=true',
        "NODE_COMPILE_CACHE=${data(folder)}/compile-cache",
    ]
    int status = 0
    withEnv(environment) {
        status = sh(script: cli.command + ' -- /bin/sh -c "$WAR_COMMAND"', returnStatus: true, label: 'withAssumedRole')
    }
    if (args.returnStatus) {
        return status
    }
    failOn(status)
    return null
}

/**
 * Block form: the CLI first checks what the body's sh steps will see of the agent's
 * own environment (withEnv cannot remove it), then assumes the role and keeps its
 * credentials fresh in the step's folder, behind an AWS profile whose
 * credential_process needs only sh and cat, so the body's containers can use it too.
 */
def runBlock(Map args, Map cli, String folder, Closure body) {
    List<String> common = cli.environment + ["WAR_DIR=${data(folder)}", "NODE_COMPILE_CACHE=${data(folder)}/compile-cache"]
    List<String> cleared = []
    for (String name in ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
        cleared << "${name}="
    }
    int status = 0
    withEnv(settingsEnvironment(args) + common + cleared) {
        status = sh(script: cli.command + ' serve --check --dir "$WAR_DIR"', returnStatus: true, label: 'withAssumedRole: check the agent')
    }
    failOn(status)
    withEnv(settingsEnvironment(args) + common) {
        status = sh(script: cli.command + ' serve --dir "$WAR_DIR"', returnStatus: true, label: 'withAssumedRole')
    }
    failOn(status)
    List<String> inside = []
    for (String line in readFile("${folder}/body.env").split('\n')) {
        if (line) {
            inside << line
        }
    }
    def result = null
    withEnv(inside) {
        result = body()
    }
    return result
}

def call(Map args = [:], Closure body = null) {
    checkArguments(args, body)
    String folder = makeStepFolder()
    Map cli = [command: 'false', environment: []]
    try {
        cli = prepareCli(args, folder)
        if (args.oidcCredentialsId) {
            cli.environment = cli.environment + copyIdToken(args.oidcCredentialsId.toString(), folder)
        }
        return body == null ? runCommand(args, cli, folder) : runBlock(args, cli, folder, body)
    } finally {
        removeStepFolder(folder, cli)
    }
}
