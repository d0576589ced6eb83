/*
 * A stand-in for a Jenkins pipeline run, on the Groovy Jenkins itself runs (2.4):
 * the core steps the library uses, with `sh` executed for real as `sh -xe`, output
 * into a console log, and the shared library's vars/ loaded as steps.
 *
 * Environment semantics follow Jenkins' code, in one place (class Environments):
 * - The harness process's own environment is the agent process's (EnvVars.masterEnvVars
 *   on the agent). Each `sh` gets it overridden by the pipeline's (hudson.Launcher's
 *   inherit: new EnvVars(masterEnvVars).overrideExpandingAll(envs); durable-task escapes
 *   every `$` first, JENKINS-40734, so that second expansion changes nothing).
 * - withEnv expands each value with hudson.Util.replaceMacro against the environment it
 *   applies to ($NAME and ${NAME} of defined variables replaced, $$ -> $, unknown names
 *   left as written), and an empty value removes the variable (EnvVars.override): from
 *   the pipeline's environment only, so an agent's own value comes back in `sh`.
 * - withCredentials puts its values in as they are, masks them in the console, and
 *   writes file credentials under the workspace's @tmp folder, deleted at the block's end.
 * - docker.image(NAME).inside (docker-workflow's WithContainerStep) runs each `sh` with
 *   the image's variables plus the pipeline's that differ from the agent's, PATH excepted;
 *   container(NAME) (kubernetes-plugin's ContainerExecDecorator) with the container
 *   spec's variables overridden by the pipeline's. Both hide `node`; docker.inside also
 *   runs in a network namespace of its own (no agent loopback). See HARNESS_SETUP.
 *
 * usage: groovy harness.groovy <library root> <pipeline script> <console log> <workspace> <setup.json>
 * setup.json: { pipelineEnv: {..}, credentials: {id: {type: aws|string|file, ...}},
 *               images: {name: {env: {..}}}, containers: {name: {env: {..}}},
 *               netns: 'name' | null, hide: [paths of node binaries] }
 * Exit status: 0 the pipeline succeeded, 1 it failed (error step or sh failure).
 */
import groovy.json.JsonSlurper

class PipelineError extends RuntimeException {
    PipelineError(String message) { super(message) }
}

/** What a step throws when the build is aborted (Jenkins' FlowInterruptedException). */
class FlowInterruptedException extends RuntimeException {
    FlowInterruptedException() { super('aborted') }
}

/** `env.NAME` as the pipeline's global env reads it. */
class EnvView {
    Closure lookup
    def propertyMissing(String name) { lookup(name) }
}

/** The environments Jenkins computes, from the agent's and the pipeline's layers. */
class Environments {
    static final String REMOVED = '\u0000removed'
    Map<String, String> agent
    Map<String, String> run
    List<Map<String, String>> layers = []

    /** hudson.Util.replaceMacro: $NAME, ${NAME}, $$; unknown names stay; no recursion. */
    static String replaceMacro(String text, Map<String, String> vars) {
        def pattern = ~/\$([A-Za-z0-9_]+|\{[A-Za-z0-9_]+\}|\$)/
        StringBuilder out = new StringBuilder()
        int at = 0
        def matcher = pattern.matcher(text)
        while (matcher.find()) {
            String key = matcher.group(1)
            String value
            if (key == '$') {
                value = '$'
            } else {
                value = vars[key.startsWith('{') ? key.substring(1, key.length() - 1) : key]
            }
            out.append(text, at, matcher.start())
            out.append(value == null ? matcher.group() : value)
            at = matcher.end()
        }
        out.append(text.substring(at))
        return out.toString()
    }

    /** The pipeline's own variables: the run's, then each withEnv/withCredentials layer. */
    Map<String, String> pipeline() {
        Map<String, String> env = new LinkedHashMap<String, String>(run)
        for (Map<String, String> layer in layers) {
            layer.each { String name, String value -> if (value == REMOVED) env.remove(name) else env[name] = value }
        }
        return env
    }

    /** What a step's context holds on the node (the computer's environment and the pipeline's): withEnv expands against it. */
    Map<String, String> context() {
        Map<String, String> env = new LinkedHashMap<String, String>(agent)
        env.putAll(run)
        for (Map<String, String> layer in layers) {
            layer.each { String name, String value -> if (value == REMOVED) env.remove(name) else env[name] = value }
        }
        return env
    }

    /** What `sh` gets on the agent: the agent process's environment overridden by the pipeline's. */
    Map<String, String> onAgent() {
        Map<String, String> env = new LinkedHashMap<String, String>(agent)
        env.putAll(pipeline())
        return env
    }

    /** docker.inside: the image's variables, plus the pipeline's that differ from the agent's (not PATH). */
    Map<String, String> inDocker(Map<String, String> image) {
        Map<String, String> env = new LinkedHashMap<String, String>(image)
        context().each { String name, String value ->
            if (name != 'PATH' && agent[name] != value) env[name] = value
        }
        return env
    }

    /** container(): the container spec's variables overridden by the pipeline's exported ones. */
    Map<String, String> inContainer(Map<String, String> spec) {
        Map<String, String> env = new LinkedHashMap<String, String>(spec)
        env.putAll(pipeline())
        return env
    }

    /** withEnv: each value expanded against the context, an empty value removing the variable. */
    Map<String, String> withEnvLayer(List entries) {
        Map<String, String> layer = [:]
        Map<String, String> resolver = context()
        for (entry in entries) {
            String text = entry.toString()
            int equals = text.indexOf('=')
            String name = text.substring(0, equals)
            String value = replaceMacro(text.substring(equals + 1), resolver)
            layer[name] = value.isEmpty() ? REMOVED : value
            if (value.isEmpty()) resolver.remove(name) else resolver[name] = value
        }
        return layer
    }
}

File libraryRoot = new File(args[0])
File pipelineFile = new File(args[1])
File consoleFile = new File(args[2])
File workspace = new File(args[3])
Map setup = new JsonSlurper().parse(new File(args[4])) as Map
workspace.mkdirs()
File tmp = new File(workspace.path + '@tmp')
File scripts = new File(tmp, 'harness-scripts')
scripts.mkdirs()

Environments environments = new Environments(agent: new LinkedHashMap<String, String>(System.getenv()))
environments.run = new LinkedHashMap<String, String>((setup.pipelineEnv ?: [:]) as Map<String, String>)
environments.run.WORKSPACE = workspace.path
List<String> masked = []
/** Where `sh` runs: null on the agent, else [kind: 'docker'|'kubernetes', env: [..]]. */
Map place = null

def mask = { String text ->
    String out = text
    for (String secret in masked) out = out.replace(secret, '****')
    return out
}
def console = { String text ->
    String line = text.endsWith('\n') ? text : text + '\n'
    consoleFile.append(mask(line), 'UTF-8')
}

def resolve = { String path -> path.startsWith('/') ? new File(path) : new File(workspace, path) }

def pump = { InputStream input, StringBuilder sink ->
    Thread.start {
        input.withReader('UTF-8') { reader ->
            char[] buffer = new char[8192]
            int n
            while ((n = reader.read(buffer)) != -1) {
                String text = new String(buffer, 0, n)
                if (sink == null) {
                    consoleFile.append(mask(text), 'UTF-8')
                } else {
                    sink.append(text)
                }
            }
        }
    }
}

/**
 * The command that runs a script where `sh` runs now, as durable-task does: `sh -xe`,
 * or the script itself when it starts with #! (no shell trace then). Hides node (and the
 * agent's loopback) in containers; on the agent, only the binaries setup.agentHide names.
 */
def shCommand = { File script, boolean shebang ->
    String run = shebang ? 'exec "$0"' : 'exec sh -xe "$0"'
    List<String> hide = ((place == null ? setup.agentHide : setup.hide) ?: []) as List<String>
    if (place == null && hide.isEmpty()) return shebang ? [script.absolutePath] : ['sh', '-xe', script.absolutePath]
    String empty = new File(scripts, 'not-here').with { it.text = ''; it.absolutePath }
    String mounts = hide.collect { "mount --bind '${empty}' '${it}'" }.join(' && ')
    List<String> inner = ['unshare', '-m', 'sh', '-c', (mounts ? mounts + ' && ' : '') + run, script.absolutePath]
    return place?.kind == 'docker' && setup.netns ? ['ip', 'netns', 'exec', setup.netns.toString()] + inner : inner
}

/** What the pipeline cost, as Jenkins would count it: durable sh steps, bytes written to the agent, files read back. */
Map<String, Integer> stats = [sh: 0, writeFileBytes: 0, writeFile: 0, readFile: 0, fileExists: 0]

def runSh = { Map step ->
    console('[Pipeline] sh' + (step.label ? " (${step.label})" : ''))
    stats.sh += 1
    File script = File.createTempFile('script', '.sh', scripts)
    script.setText(step.script.toString(), 'UTF-8')
    boolean shebang = step.script.toString().startsWith('#!')
    if (shebang) script.setExecutable(true)
    ProcessBuilder builder = new ProcessBuilder(shCommand(script, shebang) as List<String>)
    builder.directory(workspace)
    builder.environment().clear()
    Map<String, String> env = place == null ? environments.onAgent()
        : place.kind == 'docker' ? environments.inDocker(place.env as Map<String, String>)
        : environments.inContainer(place.env as Map<String, String>)
    builder.environment().putAll(env)
    // As durable-task: the script's output and errors into one log (`> log 2>&1`), unless stdout is returned.
    builder.redirectErrorStream(!step.returnStdout)
    Process process = builder.start()
    process.outputStream.close()
    StringBuilder stdout = step.returnStdout ? new StringBuilder() : null
    Thread out = pump(process.inputStream, stdout)
    Thread err = step.returnStdout ? pump(process.errorStream, null) : null
    // setup.abortOn: the build is aborted while an sh step prints this (Jenkins stops the step, which throws).
    String abortOn = setup.abortOn
    if (abortOn != null) {
        while (process.isAlive() && !consoleFile.getText('UTF-8').contains(abortOn)) sleep(20)
        if (process.isAlive()) {
            // As Jenkins stops a durable step (ProcessTree.killAll, by the step's cookie): SIGTERM to
            // every process of the step's tree, not the shell alone; what it started must not outlive it.
            // Through the handles: Process.destroy() would also close the output the pump still reads.
            List<ProcessHandle> tree = process.toHandle().descendants().iterator().toList()
            tree.each { ProcessHandle member -> member.destroy() }
            process.toHandle().destroy()
            process.waitFor()
            out.join()
            throw new FlowInterruptedException()
        }
    }
    int status = process.waitFor()
    out.join()
    err?.join()
    script.delete()
    if (step.returnStatus) {
        return status
    }
    if (status != 0) {
        throw new PipelineError("script returned exit code ${status}")
    }
    return step.returnStdout ? stdout.toString() : null
}

def inLayer = { Map<String, String> layer, Closure body ->
    environments.layers.add(layer)
    try {
        return body()
    } finally {
        environments.layers.remove(environments.layers.size() - 1)
    }
}

def inPlace = { Map where, Closure body ->
    Map outer = place
    place = where
    try {
        return body()
    } finally {
        place = outer
    }
}

/** A credential of the run's store, checked against the binding's kind as credentials-binding does. */
def credential = { String id, String kind ->
    Map found = (setup.credentials ?: [:])[id] as Map
    if (found == null) throw new PipelineError("Could not find credentials entry with ID '${id}'")
    if (found.type != kind) throw new PipelineError("Credentials '${id}' is of type '${found.type}' where '${kind}' was expected")
    return found
}

Binding binding = new Binding()
binding.setVariable('sh', { step -> runSh(step instanceof Map ? step : [script: step.toString()]) })
binding.setVariable('echo', { message -> console(message.toString()) })
binding.setVariable('error', { message -> throw new PipelineError(message.toString()) })
binding.setVariable('isUnix', { -> true })
binding.setVariable('pwd', { Map options = [:] -> options.tmp ? tmp.path : workspace.path })
binding.setVariable('fileExists', { String path -> stats.fileExists += 1; resolve(path).exists() })
binding.setVariable('readFile', { step -> stats.readFile += 1; resolve(step instanceof Map ? step.file : step.toString()).getText('UTF-8') })
binding.setVariable('writeFile', { Map step ->
    File file = resolve(step.file.toString())
    stats.writeFile += 1
    stats.writeFileBytes += step.text.toString().getBytes('UTF-8').length
    // As FilePath.write: parent folders made as needed, an IOException where they cannot be.
    if (!file.parentFile.isDirectory() && !file.parentFile.mkdirs()) throw new IOException("${file.parentFile}: cannot be made")
    file.setText(step.text.toString(), 'UTF-8')
})
binding.setVariable('libraryResource', { String path -> new File(libraryRoot, 'resources/' + path).getText('UTF-8') })
binding.setVariable('withEnv', { List entries, Closure body -> inLayer(environments.withEnvLayer(entries), body) })
binding.setVariable('string', { Map spec -> [kind: 'string'] + spec })
binding.setVariable('file', { Map spec -> [kind: 'file'] + spec })
binding.setVariable('withCredentials', { List bindings, Closure body ->
    Map<String, String> layer = [:]
    List<File> files = []
    List<String> secrets = []
    for (Map spec in bindings) {
        String id = spec.credentialsId.toString()
        if (spec.kind == 'string') {
            Map found = credential(id, 'string')
            layer[spec.variable.toString()] = found.secret.toString()
            secrets << found.secret.toString()
        } else if (spec.kind == 'file') {
            Map found = credential(id, 'file')
            File dir = new File(tmp, "secretFiles/${UUID.randomUUID()}")
            dir.mkdirs()
            File secretFile = new File(dir, (found.fileName ?: 'secret').toString())
            secretFile.setText(found.content.toString(), 'UTF-8')
            ['chmod', '400', secretFile.absolutePath].execute().waitFor()
            files << dir
            layer[spec.variable.toString()] = secretFile.absolutePath
        } else {
            Map found = credential(id, 'aws')
            layer[(spec.accessKeyVariable ?: 'AWS_ACCESS_KEY_ID').toString()] = found.accessKeyId.toString()
            layer[(spec.secretKeyVariable ?: 'AWS_SECRET_ACCESS_KEY').toString()] = found.secretAccessKey.toString()
            secrets << found.secretAccessKey.toString()
        }
    }
    masked.addAll(secrets)
    try {
        return inLayer(layer, body)
    } finally {
        for (File dir in files) dir.deleteDir()
    }
})
binding.setVariable('env', new EnvView(lookup: { String name -> environments.context()[name] }))

class DockerImage {
    String name
    Closure enter
    def inside(String args, Closure body) { enter(name, body) }
    def inside(Closure body) { enter(name, body) }
}
binding.setVariable('docker', [image: { String name ->
    new DockerImage(name: name, enter: { String image, Closure body ->
        console("[Pipeline] withDockerContainer (${image})")
        Map spec = ((setup.images ?: [:])[image] ?: [env: [:]]) as Map
        inPlace([kind: 'docker', env: spec.env ?: [:]], body)
    })
}])
/** node(LABEL) { }: the agent is the one the harness emulates, whatever the label. */
binding.setVariable('node', { Object[] args ->
    console('[Pipeline] node')
    return (args[-1] as Closure).call()
})
binding.setVariable('container', { String name, Closure body ->
    console("[Pipeline] container (${name})")
    Map spec = ((setup.containers ?: [:])[name] ?: [env: [:]]) as Map
    inPlace([kind: 'kubernetes', env: spec.env ?: [:]], body)
})

GroovyShell shell = new GroovyShell(binding)
new File(libraryRoot, 'vars').eachFileMatch(~/.*\.groovy/) { File file ->
    Script step = shell.parse(file)
    binding.setVariable(file.name - '.groovy', { Map stepArgs = [:], Closure body = null -> step.call(stepArgs, body) })
}

File statsFile = new File(consoleFile.path + '.stats.json')
try {
    shell.evaluate(pipelineFile)
    console('Finished: SUCCESS')
    statsFile.text = groovy.json.JsonOutput.toJson(stats)
} catch (PipelineError failure) {
    console("ERROR: ${failure.message}")
    console('Finished: FAILURE')
    statsFile.text = groovy.json.JsonOutput.toJson(stats)
    System.exit(1)
} catch (FlowInterruptedException aborted) {
    console('Aborted by the test')
    console('Finished: ABORTED')
    statsFile.text = groovy.json.JsonOutput.toJson(stats)
    System.exit(1)
}
