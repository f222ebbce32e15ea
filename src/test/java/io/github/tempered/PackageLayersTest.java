package io.github.tempered;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.testng.annotations.Test;

/**
 * The packages of {@code src/main/java} depend on each other in one direction only, as
 * docs/design.md draws it: {@code cli} and {@code spark} on top, then {@code calibration} and
 * {@code grad}, then {@code loss}, {@code nn} and {@code data}, and {@code internal} at the bottom,
 * which depends on no other package. Every reference in code counts: imports, static imports and
 * fully qualified names. Comments may name any package (the calibration package's javadoc points at
 * the Spark stages built on it), so they are left out of the scan.
 */
public class PackageLayersTest {

    /** Each package's layer: a package may refer only to packages of a lower layer. */
    private static final Map<String, Integer> LAYERS =
            Map.of(
                    "internal", 0,
                    "loss", 1,
                    "nn", 1,
                    "data", 1,
                    "grad", 2,
                    "calibration", 2,
                    "cli", 3,
                    "spark", 3);

    private static final Path SOURCES =
            Paths.get("src", "main", "java", "io", "github", "tempered");

    private static final Pattern REFERENCE =
            Pattern.compile("io\\.github\\.tempered\\.([a-z]+)\\.");

    /** Block comments (javadoc included) and line comments; no source here has them in strings. */
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    public void everyPackageHasALayer() throws IOException {
        Set<String> packages;
        try (Stream<Path> children = Files.list(SOURCES)) {
            packages =
                    children.filter(Files::isDirectory)
                            .map(p -> p.getFileName().toString())
                            .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(
                packages,
                new TreeSet<>(LAYERS.keySet()),
                "packages under " + SOURCES + " against the layers this test knows");
    }

    @Test
    public void referencesGoOnlyDownwards() throws IOException {
        Map<String, Set<String>> dependencies = dependencies();
        assertTrue(dependencies.size() >= LAYERS.size() - 1, "packages read: " + dependencies);
        StringBuilder wrong = new StringBuilder();
        dependencies.forEach(
                (from, targets) -> {
                    for (String to : targets) {
                        if (!LAYERS.containsKey(to) || LAYERS.get(to) >= LAYERS.get(from)) {
                            wrong.append(from).append(" -> ").append(to).append('\n');
                        }
                    }
                });
        if (wrong.length() > 0) {
            fail("references that do not go down a layer (layers " + LAYERS + "):\n" + wrong);
        }
    }

    @Test
    public void theScanSeesTheKnownEdges() throws IOException {
        // A scan that read nothing would pass the test above: pin edges that exist.
        Map<String, Set<String>> dependencies = dependencies();
        assertTrue(dependencies.get("loss").contains("internal"), "loss -> " + dependencies);
        assertTrue(dependencies.get("cli").contains("calibration"), "cli -> " + dependencies);
        assertTrue(dependencies.get("grad").contains("loss"), "grad -> " + dependencies);
        assertEquals(dependencies.getOrDefault("internal", Set.of()), Set.of(), "internal -> ");
    }

    /** The packages each package's sources name, itself excluded. */
    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> dependencies = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
        }
        for (Path file : files) {
            Path relative = SOURCES.relativize(file);
            if (relative.getNameCount() < 2) {
                continue; // the root package-info
            }
            String from = relative.getName(0).toString();
            Set<String> targets = dependencies.computeIfAbsent(from, k -> new TreeSet<>());
            Matcher m = REFERENCE.matcher(COMMENT.matcher(read(file)).replaceAll(" "));
            while (m.find()) {
                if (!m.group(1).equals(from)) {
                    targets.add(m.group(1));
                }
            }
        }
        return dependencies;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
