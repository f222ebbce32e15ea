package io.github.tempered.notebook;

import io.github.tempered.loss.CrossEntropyLoss;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
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
 *   <li>{@code %jars path} and {@code %classpath path} are resolved against the notebook's folder,
 *       where Jupyter starts the kernel. The project's own jar ({@code target/<artifactId>-
 *       <version>.jar}, which does not exist yet when the tests run) maps to {@code
 *       target/classes}; any other path must exist.
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

    /** The jar {@code mvn package} builds, which notebooks load with {@code %jars}. */
    Path projectJar() {
        return projectRoot.resolve("target").resolve(artifactId + "-" + version + ".jar");
    }

    /**
     * The class path entries a dependency magic adds.
     *
     * @param magic a {@code %maven}, {@code %jars} or {@code %classpath} line
     * @param notebookDir the notebook's folder, against which relative paths resolve
     * @return the entries, in order
     * @throws IllegalArgumentException if an artifact or path cannot be mapped, saying why
     */
    List<Path> resolve(Magics.Line magic, Path notebookDir) {
        List<Path> result = new ArrayList<>();
        for (String arg : magic.args()) {
            if (Magics.MAVEN.contains(magic.name())) {
                result.add(maven(arg));
            } else if ("jars".equals(magic.name())) {
                result.addAll(jars(arg, notebookDir));
            } else {
                result.add(local(arg, notebookDir));
            }
        }
        return result;
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

    private List<Path> jars(String arg, Path notebookDir) {
        Path path = notebookDir.resolve(arg).toAbsolutePath().normalize();
        String name = path.getFileName().toString();
        if (!name.contains("*") && !name.contains("?")) {
            return List.of(local(arg, notebookDir));
        }
        // A glob in the file name, as JJava allows: expand it in its folder.
        List<Path> matches = new ArrayList<>();
        var matcher = path.getFileSystem().getPathMatcher("glob:" + name);
        if (path.getParent().equals(projectJar().getParent())
                && matcher.matches(projectJar().getFileName())) {
            matches.add(projectClasses);
        }
        if (Files.isDirectory(path.getParent())) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(path.getParent())) {
                for (Path file : files) {
                    if (matcher.matches(file.getFileName())
                            && !file.equals(projectJar())
                            && file.getFileName().toString().endsWith(".jar")) {
                        matches.add(file);
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("%jars " + arg + ": " + e, e);
            }
        }
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("%jars " + arg + ": no jar matches " + path);
        }
        return matches;
    }

    private Path local(String arg, Path notebookDir) {
        Path path = notebookDir.resolve(arg).toAbsolutePath().normalize();
        if (path.equals(projectJar()) || path.equals(projectClasses)) {
            return projectClasses;
        }
        Path target = projectJar().getParent();
        String name = path.getFileName().toString();
        if (path.getParent().equals(target)
                && name.startsWith(artifactId + "-")
                && name.endsWith(".jar")
                && !Files.exists(path)) {
            throw new IllegalArgumentException(
                    arg
                            + ": this project builds "
                            + projectJar().getFileName()
                            + "; change the notebook to that name");
        }
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(arg + ": no such file " + path);
        }
        return path;
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
