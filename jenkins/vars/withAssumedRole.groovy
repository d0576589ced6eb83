/*
 * withAssumedRole: run a command, or a block of steps, with the credentials of an
 * IAM role assumed from the agent's own (instance profile, profile, or the keys of
 * an enclosing withCredentials). Help: vars/withAssumedRole.txt; docs/jenkins.md.
 *
 * A thin adapter: the step hands its parameters to its CLI as one JSON document and
 * runs one sh step before a block's body and one after it (the command form: one in
 * all); the CLI checks the parameters, decides and says everything. Secrets never
 * pass through this file. Values reach the CLI through withEnv with every `$`
 * doubled, since withEnv expands its values, and the sh scripts name them, so a
 * value is data, never shell text. The CLI ships once per agent and version: a copy
 * named by its SHA-256 in the agent's cache, written only where it is missing.
 */
import groovy.json.JsonOutput

/** What the CLI's exit codes mean, for the step's error (a test holds it equal to the CLI's table). */
String meaningOf(int status) {
    Map<Integer, String> meanings = [
        64: 'a parameter is not valid',
        69: 'no usable Node.js or CLI where the step runs',
        70: 'internal error',
        75: 'STS failed or timed out after retries',
        77: 'STS refused the credentials or the role',
        78: 'configuration: no source credentials, a limit exceeded, or an agent variable that would win over the role',
        126: 'the command cannot be executed',
        127: 'the command was not found',
    ]
    return meanings[status] ?: 'the command failed'
}

/** withEnv expands $NAME and turns $$ into $: every $ doubled, a value arrives as written. */
String escapedForWithEnv(Object value) {
    return value.toString().replace('$', '$$')
}

/** The folder of the agent's workspaces (the workspace's parent), where the step keeps its CLI: one copy per agent. */
String workspacesFolder() {
    String workspace = pwd()
    return workspace.substring(0, Math.max(workspace.lastIndexOf('/'), 1))
}

/** The CLI on the agent: the copy named by its hash, written only when missing; or the installed one (cli:). */
List<String> shipCli(Map args, String tmp) {
    if (args.cli) {
        return ["JENKINS_WITH_ASSUMED_ROLE_INSTALLED_CLI=${escapedForWithEnv(args.cli)}"]
    }
    String sha = libraryResource('with-assumed-role/with-assumed-role.cjs.sha256').trim()
    List<String> caches = ["${workspacesFolder()}/.with-assumed-role", "${tmp}/with-assumed-role-cli"]
    for (String cache in caches) {
        String bundle = "${cache}/cli-${sha}.cjs"
        String shipped = ''
        try {
            if (!fileExists(bundle)) {
                shipped = "${bundle}.${UUID.randomUUID()}.part"
                writeFile(file: shipped, text: libraryResource('with-assumed-role/with-assumed-role.cjs'))
            }
        } catch (IOException notWritable) {
            // The workspaces' folder is not the agent user's to write: the workspace's own @tmp is.
            continue
        }
        return [
            "JENKINS_WITH_ASSUMED_ROLE_CACHE=${escapedForWithEnv(cache)}",
            "JENKINS_WITH_ASSUMED_ROLE_CLI=${escapedForWithEnv(bundle)}",
            "JENKINS_WITH_ASSUMED_ROLE_CLI_SHA256=${sha}",
            "JENKINS_WITH_ASSUMED_ROLE_CLI_SHIPPED=${escapedForWithEnv(shipped)}",
            "JENKINS_WITH_ASSUMED_ROLE_NODE=${escapedForWithEnv(args.node ?: 'node')}",
        ]
    }
    error('withAssumedRole: neither the workspaces\' folder nor the workspace\'s @tmp folder can take the step\'s CLI')
    return []
}

/** One sh step of the step's own: the launcher, then the CLI's part; no shell trace (a #! script). */
int launch(String action, String label) {
    String script = libraryResource('with-assumed-role/launch.sh') + "\nlaunch jenkins --action ${action}\n"
    return sh(script: script, returnStatus: true, label: label)
}

void failOn(int status) {
    if (status != 0) {
        error("withAssumedRole: exit code ${status}: ${meaningOf(status)} (see the log above)")
    }
}

/**
 * oidcCredentialsId: the build's OpenID Connect id token, bound around `run` for the
 * CLI alone, whichever kind the credentials are: "id token" (secret text,
 * JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN) or "id token as file" (JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN_FILE). A binding that does not
 * fit is retried as the other kind; anything thrown once `run` has started (an abort,
 * a failure inside) is never taken for a binding that did not fit.
 */
int withIdToken(Map args, Closure run) {
    if (!args.oidcCredentialsId) {
        return run()
    }
    String id = args.oidcCredentialsId
    boolean started = false
    try {
        return withCredentials([string(credentialsId: id, variable: 'JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN')]) {
            started = true
            run()
        }
    } catch (asText) {
        if (started) {
            throw asText
        }
        try {
            return withCredentials([file(credentialsId: id, variable: 'JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN_FILE')]) {
                started = true
                run()
            }
        } catch (asFile) {
            if (started) {
                throw asFile
            }
            error("withAssumedRole: oidcCredentialsId '${id}': not usable as an id token " +
                "(as text: ${asText.message}; as a file: ${asFile.message})")
        }
    }
}

/**
 * Block form: before the body, one sh step checks what the body's sh steps will see
 * of the agent's own environment (which withEnv cannot remove: the pipeline's keys and
 * web identity are cleared for it, and handed to the CLI under other names), assumes
 * the role, and serves it as an AWS profile in a folder under the build's @tmp that a
 * background refresh keeps fresh; after the body, whatever happens, one more stops it.
 */
def runBlock(Map args, List<String> environment, String tmp, Closure body) {
    String folder = "${tmp}/with-assumed-role.${UUID.randomUUID()}"
    List<String> step = environment + ["JENKINS_WITH_ASSUMED_ROLE_FOLDER=${escapedForWithEnv(folder)}"]
    List<String> pipelineSource = []
    List<String> cleared = []
    for (String name in ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
        pipelineSource << "JENKINS_WITH_ASSUMED_ROLE_PIPELINE_${name}=\$${name}"
        cleared << "${name}="
    }
    int status = withIdToken(args) {
        withEnv(step + pipelineSource) {
            withEnv(cleared) {
                launch('begin', 'withAssumedRole: assume the role')
            }
        }
    }
    failOn(status)
    try {
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
    } finally {
        withEnv(step) {
            launch('end', 'withAssumedRole: end')
        }
    }
}

/** Command form: one sh step runs the command with the role's credentials, output masked. */
def runCommand(Map args, List<String> environment) {
    int status = withIdToken(args) {
        withEnv(environment) {
            launch('run', 'withAssumedRole: run as the role')
        }
    }
    if (args.returnStatus) {
        return status
    }
    failOn(status)
    return null
}

def call(Map args = [:], Closure body = null) {
    String tmp = pwd(tmp: true)
    List<String> environment = shipCli(args, tmp) + ["JENKINS_WITH_ASSUMED_ROLE_PARAMETERS=${escapedForWithEnv(JsonOutput.toJson(args))}"]
    return body == null ? runCommand(args, environment) : runBlock(args, environment, tmp, body)
}
