// The runtime dependencies that a project adding only io.github.tempered:tempered gets.
def file = new File(basedir, 'target/dependencies.txt')
assert file.isFile() : "dependency:list wrote no ${file}"

// Lines look like "   ai.djl:api:jar:0.36.0:compile -- module ai.djl.api [auto]".
def coordinates = file.readLines()
        .collect { it.trim().split(' ')[0] }
        .findAll { it ==~ /[\w.\-]+:[\w.\-]+:[\w.\-:]+/ }
println "Runtime dependencies of a consumer of Tempered (${coordinates.size()}):"
coordinates.each { println "  ${it}" }

// What a library user must not inherit: engine natives, the CLI, plotting, logger bindings, tests.
def banned = [/^ai\.djl\.pytorch:pytorch-native/, /^ai\.djl\.pytorch:pytorch-jni:/,
              /^info\.picocli:/, /^org\.knowm\.xchart:/, /^org\.apache\.pdfbox:/,
              /^de\.rototor\.pdfbox:/, /^de\.erichseifert\./, /^com\.madgag:/,
              /^org\.slf4j:slf4j-simple:/, /^org\.testng:/]
def inherited = coordinates.findAll { c -> banned.any { c =~ it } }
assert inherited.isEmpty() : "a consumer of Tempered inherits ${inherited}"

// Exactly these artifacts (any version): Tempered, DJL's api and basicdataset, the PyTorch engine
// (Java only), SLF4J's API, and what they bring.
def expected = ['io.github.tempered:tempered',
                'ai.djl:api', 'ai.djl:basicdataset', 'ai.djl.pytorch:pytorch-engine',
                'org.slf4j:slf4j-api',
                'com.google.code.gson:gson', 'com.google.errorprone:error_prone_annotations',
                'net.java.dev.jna:jna', 'org.apache.commons:commons-compress',
                'org.apache.commons:commons-csv', 'commons-io:commons-io',
                'commons-codec:commons-codec'] as Set
def got = coordinates.collect { it.split(':')[0..1].join(':') } as Set
assert got == expected : "unexpected: ${got - expected}; missing: ${expected - got}"

// DJL's commons-csv 1.14.1 needs commons-io >= 2.18; ai.djl:api alone would bring 2.16.1.
def commonsIo = coordinates.find { it.startsWith('commons-io:commons-io:') }
assert commonsIo.startsWith("commons-io:commons-io:jar:${commonsIoVersion}:") : "got ${commonsIo}"
return true
