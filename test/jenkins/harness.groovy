/*
 * A small stand-in for a Jenkins pipeline run, on the Groovy Jenkins itself runs
 * (2.4): the core steps the library uses, with `sh` executed for real as `sh -xe`
 * (as Jenkins does), output into a console log, withEnv's empty values unsetting
 * variables (as Jenkins' EnvVars do), withCredentials binding AWS keys, and the
 * shared library's vars/ loaded as steps.
 *
 * usage: groovy harness.groovy <library root> <pipeline script> <console log> <workspace>
 * Credentials for withCredentials come from HARNESS_CREDENTIALS_<ID> = "<key id>:<secret>".
 * Exit status: 0 the pipeline succeeded, 1 it failed (error step or sh failure).
 */

class PipelineError extends RuntimeException {
    PipelineError(String message) { super(message) }
}

/** `env.NAME` as the pipeline's global env reads it: the environment sh steps get. */
class EnvView {
    Closure lookup
    def propertyMissing(String name) { lookup(name) }
}

File libraryRoot = new File(args[0])
File pipelineFile = new File(args[1])
File consoleFile = new File(args[2])
File workspace = new File(args[3])
workspace.mkdirs()
File scripts = new File(workspace.path + '@tmp/harness-scripts')
scripts.mkdirs()

List<Map<String, String>> overrides = []
Map<String, String> base = new LinkedHashMap<String, String>(System.getenv())
base.remove('HARNESS_CREDENTIALS_JENKINS_KEYS')
base.WORKSPACE = workspace.path

def console = { String text ->
    consoleFile.append(text.endsWith('\n') ? text : text + '\n', 'UTF-8')
}

def effectiveEnv = { ->
    Map<String, String> env = new LinkedHashMap<String, String>(base)
    for (Map<String, String> layer in overrides) {
        layer.each { String name, String value ->
            if (value == null || value.isEmpty()) {
                env.remove(name)
            } else {
                env[name] = value
            }
        }
    }
    return env
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
                    consoleFile.append(text, 'UTF-8')
                } else {
                    sink.append(text)
                }
            }
        }
    }
}

def runSh = { Map step ->
    console('[Pipeline] sh' + (step.label ? " (${step.label})" : ''))
    File script = File.createTempFile('script', '.sh', scripts)
    script.setText(step.script.toString(), 'UTF-8')
    ProcessBuilder builder = new ProcessBuilder('sh', '-xe', script.absolutePath)
    builder.directory(workspace)
    builder.environment().clear()
    builder.environment().putAll(effectiveEnv())
    Process process = builder.start()
    process.outputStream.close()
    StringBuilder stdout = step.returnStdout ? new StringBuilder() : null
    Thread out = pump(process.inputStream, stdout)
    Thread err = pump(process.errorStream, null)
    int status = process.waitFor()
    out.join()
    err.join()
    script.delete()
    if (step.returnStatus) {
        return status
    }
    if (status != 0) {
        throw new PipelineError("script returned exit code ${status}")
    }
    return step.returnStdout ? stdout.toString() : null
}

Binding binding = new Binding()
binding.setVariable('sh', { step -> runSh(step instanceof Map ? step : [script: step.toString()]) })
binding.setVariable('echo', { message -> console(message.toString()) })
binding.setVariable('error', { message -> throw new PipelineError(message.toString()) })
binding.setVariable('isUnix', { -> true })
binding.setVariable('pwd', { Map options = [:] -> options.tmp ? workspace.path + '@tmp' : workspace.path })
binding.setVariable('fileExists', { String path -> resolve(path).exists() })
binding.setVariable('readFile', { step -> resolve(step instanceof Map ? step.file : step.toString()).getText('UTF-8') })
binding.setVariable('writeFile', { Map step -> resolve(step.file.toString()).setText(step.text.toString(), 'UTF-8') })
binding.setVariable('libraryResource', { String path -> new File(libraryRoot, 'resources/' + path).getText('UTF-8') })
binding.setVariable('withEnv', { List entries, Closure body ->
    Map<String, String> layer = [:]
    for (entry in entries) {
        String text = entry.toString()
        int equals = text.indexOf('=')
        layer[text.substring(0, equals)] = text.substring(equals + 1)
    }
    overrides.add(layer)
    try {
        return body()
    } finally {
        overrides.remove(overrides.size() - 1)
    }
})
binding.setVariable('withCredentials', { List bindings, Closure body ->
    Map<String, String> layer = [:]
    for (Map spec in bindings) {
        String pair = System.getenv('HARNESS_CREDENTIALS_' + spec.credentialsId.toString().toUpperCase().replace('-', '_'))
        layer.AWS_ACCESS_KEY_ID = pair.split(':', 2)[0]
        layer.AWS_SECRET_ACCESS_KEY = pair.split(':', 2)[1]
    }
    overrides.add(layer)
    try {
        return body()
    } finally {
        overrides.remove(overrides.size() - 1)
    }
})
binding.setVariable('env', new EnvView(lookup: { String name -> effectiveEnv()[name] }))

GroovyShell shell = new GroovyShell(binding)
new File(libraryRoot, 'vars').eachFileMatch(~/.*\.groovy/) { File file ->
    Script step = shell.parse(file)
    binding.setVariable(file.name - '.groovy', { Map stepArgs = [:], Closure body = null -> step.call(stepArgs, body) })
}

try {
    shell.evaluate(pipelineFile)
    console('Finished: SUCCESS')
} catch (PipelineError failure) {
    console("ERROR: ${failure.message}")
    console('Finished: FAILURE')
    System.exit(1)
}
