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

    private List<Path> resolve(String name, String... args) {
        return dependencies.resolve(new Magics.Line(name, List.of(args), 1), notebooks);
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
        assertEquals(resolve("jars", jar), List.of(classes));
        assertEquals(resolve("jars", "../target/tempered-*.jar").get(0), classes);
        assertEquals(resolve("classpath", "../target/classes"), List.of(classes));
        assertTrue(failure("jars", "../target/tempered-9.9.jar").contains("this project builds"));
    }

    @Test
    public void otherLocalPathsMustExist() {
        assertEquals(
                resolve("classpath", "../src/test/resources"),
                List.of(dependencies.projectRoot().resolve("src/test/resources")));
        assertTrue(failure("classpath", "../no-such-folder").contains("no such file"));
        assertTrue(failure("jars", "../lib/*.jar").contains("no jar matches"));
    }
}
