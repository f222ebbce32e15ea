package io.github.tempered.notebook;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

public class DependenciesTest {

    private Dependencies dependencies;
    private Path notebooks;

    @BeforeClass
    public void setUp() {
        dependencies = Dependencies.ofThisProject();
        notebooks = dependencies.projectRoot().resolve("notebooks");
    }

    private Dependencies.Resolution resolution(String name, String... args) {
        return dependencies.resolve(new Magics.Line(name, List.of(args), 1), notebooks);
    }

    private List<Path> resolve(String name, String... args) {
        return resolution(name, args).entries();
    }

    private String failure(String name, String arg) {
        return expectThrows(IllegalArgumentException.class, () -> resolve(name, arg)).getMessage();
    }

    @Test
    public void mavenCoordinatesMapToTheJarOnTheClassPath() {
        Path api = resolve("maven", "ai.djl:api:0.36.0").get(0);
        assertTrue(api.endsWith(Path.of("ai/djl/api/0.36.0/api-0.36.0.jar")), api.toString());
        assertTrue(Files.isRegularFile(api), api.toString());
        Path jni = resolve("maven", "ai.djl.pytorch:pytorch-jni:jar:2.7.1-0.36.0").get(0);
        assertTrue(jni.endsWith("pytorch-jni-2.7.1-0.36.0.jar"), jni.toString());
    }

    @Test
    public void classifierSelectsTheClassifiedJar() {
        Path nativeJar =
                resolve("maven", "ai.djl.pytorch:pytorch-native-cpu:jar:linux-x86_64:2.7.1").get(0);
        assertTrue(
                nativeJar.endsWith("pytorch-native-cpu-2.7.1-linux-x86_64.jar"),
                nativeJar.toString());
        String message = failure("maven", "ai.djl.pytorch:pytorch-native-cpu:jar:win-x86_64:2.7.1");
        assertTrue(message.contains("pytorch-native-cpu-2.7.1-linux-x86_64.jar"), message);
    }

    @Test
    public void badCoordinatesFail() {
        assertTrue(failure("maven", "ai.djl:api").contains("expected group:artifact"));
        assertTrue(failure("maven", "ai.djl:api:pom:0.36.0").contains("only jar artifacts"));
        assertTrue(failure("maven", "org.example:absent:1.0").contains("not a dependency"));
        assertTrue(failure("maven", "ai.djl:api:0.30.0").contains("[api-0.36.0.jar]"));
    }

    @Test
    public void projectJarMapsToTheProjectClasses() {
        Path classes = dependencies.projectRoot().resolve("target").resolve("classes");
        String jar = "../target/" + dependencies.projectJar().getFileName();
        assertEquals(resolve("classpath", jar), List.of(classes), jar);
        assertEquals(resolve("jars", jar), List.of(classes), "%jars " + jar);
        assertEquals(resolve("classpath", "../target/tempered-*.jar").get(0), classes, "a glob");
        assertEquals(resolve("classpath", "../target/classes"), List.of(classes));
    }

    @Test
    public void localPathsThatMatchNothingAddNothingAsInJJava() {
        Dependencies.Resolution other = resolution("classpath", "../target/tempered-9.9.jar");
        assertEquals(other.entries(), List.of(), "another version of the project's jar");
        assertEquals(other.unmatched().size(), 1, "unmatched: " + other.unmatched());
        assertTrue(other.unmatched().get(0).contains("this project builds"), other.toString());
        Dependencies.Resolution missing =
                resolution("classpath", "../no-such-folder", "../lib/*.jar");
        assertEquals(missing.entries(), List.of(), "missing paths");
        assertEquals(missing.unmatched().size(), 2, "unmatched: " + missing.unmatched());
        assertTrue(missing.unmatched().get(0).contains("no such file"), missing.toString());
    }

    @Test
    public void globsExpandAsInJJava() {
        Path root = dependencies.projectRoot();
        assertEquals(
                resolve("classpath", "../src/test/resources"),
                List.of(root.resolve("src/test/resources")),
                "a folder without wildcards");
        assertEquals(
                resolve("classpath", "../src/test/resources/model-outputs/lenet-?-*.npz"),
                List.of(root.resolve("src/test/resources/model-outputs/lenet-5-cifar-10.npz")),
                "? and * in a file name");
        assertEquals(
                resolve("classpath", "../src/*/resources/model-outputs/*-cifar-10.npz"),
                List.of(
                        root.resolve("src/test/resources/model-outputs/lenet-5-cifar-10.npz"),
                        root.resolve(
                                "src/test/resources/model-outputs/wideresnet-16-4-cifar-10.npz")),
                "* in a folder name, sorted matches");
        assertEquals(
                resolve("classpath", root + "/src/test/resources/model-outputs/lenet*"),
                List.of(root.resolve("src/test/resources/model-outputs/lenet-5-cifar-10.npz")),
                "an absolute glob");
    }
}
