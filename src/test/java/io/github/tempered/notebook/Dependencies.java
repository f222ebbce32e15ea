package io.github.tempered.notebook;

import io.github.tempered.loss.CrossEntropyLoss;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * Maps a notebook's dependency magics onto this project's build, so that the notebook runs on the
 * test class path exactly as it would on a Java kernel that downloads the same artifacts.
 *
 * <ul>
 *   <li>{@code %maven group:artifact[:type[:classifier]]:version} (JJava's coordinate syntax) maps
 *       to the artifact's jar on the test class path. An artifact that is not a dependency of this
 *       project fails, and so does one whose version differs from the project's, so the notebooks
 *       follow {@code pom.xml}.
 *   <li>{@code %classpath path} (and the deprecated {@code %jars path}) resolves as JJava resolves
 *       it ({@link Globs}): against the notebook's folder, where Jupyter starts the kernel, with
 *       {@code *} and {@code ?} expanded. The project's own jar ({@code target/<artifactId>-
 *       <version>.jar}, which does not exist yet when the tests run) maps to {@code
 *       target/classes}. A path that matches nothing adds nothing, as in JJava, which says nothing
 *       either; the runner remembers it and names it when a later cell does not compile.
 * </ul>
 */
final class Dependencies {

    private final List<Path> classpath;
    private final Path projectRoot;
    private final Path projectClasses;
    private final String artifactId;
    private final String version;

    Dependencies(
            List<Path> classpath,
            Path projectRoot,
            Path projectClasses,
            String artifactId,
            String version) {
        this.classpath = List.copyOf(classpath);
        this.projectRoot = projectRoot;
        this.projectClasses = projectClasses;
        this.artifactId = artifactId;
        this.version = version;
    }

    /**
     * The mapping for this project: the class path this class was loaded from (the system class
     * path, as under Surefire or {@code java -cp}, or a {@link URLClassLoader}'s, as under {@code
     * exec:java}), the classes of the main source set, and the coordinates in {@code pom.xml}.
     */
    static Dependencies ofThisProject() {
        Set<Path> entries = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().normalize());
            }
        }
        for (ClassLoader loader = Dependencies.class.getClassLoader();
                loader != null;
                loader = loader.getParent()) {
            if (loader instanceof URLClassLoader) {
                for (URL url : ((URLClassLoader) loader).getURLs()) {
                    entries.add(path(url));
                }
            }
        }
        Path classes =
                path(CrossEntropyLoss.class.getProtectionDomain().getCodeSource().getLocation());
        Path root = classes.getParent().getParent();
        Element pom = pom(root.resolve("pom.xml"));
        return new Dependencies(
                new ArrayList<>(entries),
                root,
                classes,
                child(pom, "artifactId"),
                child(pom, "version"));
    }

    /** The project's folder (where {@code pom.xml} is). */
    Path projectRoot() {
        return projectRoot;
    }

    /** The jar {@code mvn package} builds, which notebooks load with {@code %classpath}. */
    Path projectJar() {
        return projectRoot.resolve("target").resolve(artifactId + "-" + version + ".jar");
    }

    /**
     * What a dependency magic adds to the class path.
     *
     * @param entries the class path entries, in order
     * @param unmatched the {@code %classpath} arguments that matched no file, each with a hint
     */
    record Resolution(List<Path> entries, List<String> unmatched) {}

    /**
     * The class path entries a dependency magic adds.
     *
     * @param magic a {@code %maven} or {@code %classpath} line (or a deprecated alias)
     * @param notebookDir the notebook's folder, against which relative paths resolve
     * @return the entries, and the local paths that matched nothing
     * @throws IllegalArgumentException if an artifact cannot be mapped, saying why
     */
    Resolution resolve(Magics.Line magic, Path notebookDir) {
        List<Path> entries = new ArrayList<>();
        List<String> unmatched = new ArrayList<>();
        for (String arg : magic.args()) {
            if (Magics.MAVEN.contains(magic.name())) {
                entries.add(maven(arg));
                continue;
            }
            List<Path> found = local(arg, notebookDir);
            if (found.isEmpty()) {
                unmatched.add("%" + magic.name() + " " + arg + hint(arg, notebookDir));
            }
            entries.addAll(found);
        }
        return new Resolution(entries, unmatched);
    }

    private Path maven(String coordinates) {
        String[] parts = coordinates.split(":", -1);
        if (parts.length < 3 || parts.length > 5) {
            throw new IllegalArgumentException(
                    "%maven "
                            + coordinates
                            + ": expected group:artifact[:type[:classifier]]:version");
        }
        String group = parts[0];
        String artifact = parts[1];
        String ver = parts[parts.length - 1];
        String type = parts.length >= 4 ? parts[2] : "jar";
        String classifier = parts.length == 5 ? parts[3] : "";
        if (!type.isEmpty() && !"jar".equals(type)) {
            throw new IllegalArgumentException(
                    "%maven " + coordinates + ": only jar artifacts can be mapped, not " + type);
        }
        String file =
                artifact + "-" + ver + (classifier.isEmpty() ? "" : "-" + classifier) + ".jar";
        Path expected = Path.of(group.replace('.', '/'), artifact, ver, file);
        Path artifactDir = Path.of(group.replace('.', '/'), artifact);
        List<String> otherVersions = new ArrayList<>();
        for (Path entry : classpath) {
            if (entry.endsWith(expected)) {
                return entry;
            }
            Path versionDir = entry.getParent();
            if (versionDir != null
                    && versionDir.getParent() != null
                    && versionDir.getParent().endsWith(artifactDir)) {
                otherVersions.add(entry.getFileName().toString());
            }
        }
        if (!otherVersions.isEmpty()) {
            throw new IllegalArgumentException(
                    "%maven "
                            + coordinates
                            + ": this project uses "
                            + otherVersions
                            + "; change the notebook to the version in pom.xml");
        }
        throw new IllegalArgumentException(
                "%maven "
                        + coordinates
                        + ": not a dependency of this project (no "
                        + file
                        + " on the test class path); add it to pom.xml or drop the line");
    }

    /** The paths JJava would add for {@code arg}, with the project's jar mapped to its classes. */
    private List<Path> local(String arg, Path notebookDir) {
        List<Path> found = new ArrayList<>();
        if (Globs.matches(arg, notebookDir, projectJar())
                || Globs.matches(arg, notebookDir, projectClasses)) {
            found.add(projectClasses);
        }
        for (Path path : Globs.expand(arg, notebookDir)) {
            if (!path.equals(projectJar()) && !path.equals(projectClasses)) {
                found.add(path);
            }
        }
        return found;
    }

    /** Why a path may have matched nothing: another version of this project's jar. */
    private String hint(String arg, Path notebookDir) {
        Path path = notebookDir.resolve(arg).toAbsolutePath().normalize();
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (projectJar().getParent().equals(path.getParent())
                && name.startsWith(artifactId + "-")
                && name.endsWith(".jar")) {
            return " (this project builds " + projectJar().getFileName() + ")";
        }
        return " (no such file: " + path + ")";
    }

    private static Path path(URL url) {
        try {
            return Path.of(url.toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("class path entry " + url + " is not a path", e);
        }
    }

    private static Element pom(Path file) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(file.toFile()).getDocumentElement();
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e, e);
        }
    }

    private static String child(Element parent, String name) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element && name.equals(node.getNodeName())) {
                return node.getTextContent().strip();
            }
        }
        throw new IllegalStateException("pom.xml has no project/" + name);
    }
}
