package io.github.tempered.notebook;

import static io.github.tempered.notebook.NotebookFixtures.result;
import static io.github.tempered.notebook.NotebookFixtures.stdout;
import static io.github.tempered.notebook.NotebookFixtures.tempered;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * A deliberately broken cell fails the build: compile errors, exceptions, unknown magics,
 * dependencies the project does not have and outputs that changed are each detected, with the cell
 * number in the message. Uses small notebooks in a temporary folder, and broken copies of a real
 * one.
 */
public class NotebookRunnerTest {

    private NotebookRunner runner;
    private Path folder;
    private int count;

    @BeforeClass
    public void setUp() throws IOException {
        runner = NotebookRunner.forThisProject();
        folder = Files.createTempDirectory("notebook-runner-test");
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    private Notebook write(NotebookFixtures notebook) {
        return notebook.write(folder, "test-" + ++count + ".ipynb");
    }

    private NotebookException fails(NotebookFixtures notebook) {
        Notebook written = write(notebook);
        return expectThrows(NotebookException.class, () -> runner.check(written));
    }

    private static void assertFailure(NotebookException e, int cell, String kind, String... parts) {
        String message = e.getMessage();
        assertEquals(e.cell(), cell, "failing cell; message: " + message);
        assertEquals(e.kind(), kind, "kind; message: " + message);
        assertTrue(message.contains("cell " + cell + ": " + kind), "message: " + message);
        for (String part : parts) {
            assertTrue(message.contains(part), "message should contain «" + part + "»: " + message);
        }
    }

    @Test
    public void compileErrorFailsWithTheCellNumber() {
        NotebookException e =
                fails(
                        new NotebookFixtures()
                                .markdown("# A notebook")
                                .code("int a = 1;")
                                .markdown("A broken cell:")
                                .code("int b = \"two\";"));
        assertFailure(e, 4, "compile error", "line 1", "incompatible types", "int b = \"two\";");
    }

    @Test
    public void compileErrorNamesTheLineInsideTheCell() {
        NotebookException e =
                fails(new NotebookFixtures().code("int a = 1;\n\nString s = undefinedName;"));
        assertFailure(e, 1, "compile error", "line 3", "cannot find symbol");
    }

    @Test
    public void exceptionFailsWithTheCellNumber() {
        NotebookException e =
                fails(
                        new NotebookFixtures()
                                .code("int a = 1;")
                                .code("int b = 2;\nInteger.parseInt(\"seven\")"));
        assertFailure(e, 2, "exception", "line 2", "java.lang.NumberFormatException", "\"seven\"");
    }

    @Test
    public void exceptionKeepsWhatTheCellPrinted() {
        NotebookException e =
                fails(
                        new NotebookFixtures()
                                .code(
                                        "System.out.println(\"before the failure\");\n"
                                                + "throw new IllegalStateException(\"boom\");"));
        assertFailure(e, 1, "exception", "IllegalStateException: boom", "before the failure");
    }

    @Test
    public void unknownLineMagicFails() {
        NotebookException e =
                fails(new NotebookFixtures().code("int a = 1;").code("%time\nint b = 2;"));
        assertFailure(e, 2, "unknown magic", "line 1", "%time", "allowed: %maven");
    }

    @Test
    public void unknownCellMagicFails() {
        NotebookException e =
                fails(new NotebookFixtures().code("%%loadFromPOM\n<dependency></dependency>"));
        assertFailure(e, 1, "unknown magic", "cell magic %%loadFromPOM");
    }

    @Test
    public void mavenRepositoryMagicIsNotAllowed() {
        NotebookException e =
                fails(
                        new NotebookFixtures()
                                .code("%mavenRepo snapshots https://example.org/snapshots"));
        assertFailure(e, 1, "unknown magic", "%mavenRepo");
    }

    @Test
    public void changedOutputFails() {
        NotebookException e =
                fails(
                        new NotebookFixtures()
                                .code("System.out.println(6 * 7);", stdout("42\n"))
                                .markdown("text")
                                .code("System.out.println(6 * 8);", stdout("42\n")));
        assertFailure(
                e,
                3,
                "output differs from the stored output",
                "48 where the integer 42 was",
                NotebookRunner.WRITE_COMMAND);
    }

    @Test
    public void changedResultFails() {
        NotebookException e = fails(new NotebookFixtures().code("6 * 7", result("41")));
        assertFailure(e, 1, "output differs from the stored output", "execute_result");
    }

    @Test
    public void missingStoredOutputFails() {
        NotebookException e = fails(new NotebookFixtures().code("System.out.println(\"new\");"));
        assertFailure(e, 1, "output differs from the stored output", "expected 0 outputs");
    }

    @Test
    public void numbersWithinTheToleranceMatch() {
        Notebook notebook =
                write(
                        new NotebookFixtures()
                                .code(
                                        "System.out.println(String.format(Locale.ROOT,"
                                                + " \"%.6f and %.3e\", 1.0 / 3, 2e-9 / 3));",
                                        stdout("0.333334 and 6.667e-10\n")));
        runner.check(notebook);
    }

    @Test
    public void numbersOutsideTheToleranceFail() {
        NotebookException e =
                fails(
                        new NotebookFixtures()
                                .code(
                                        "System.out.println(String.format(Locale.ROOT, \"%.6f\","
                                                + " 1.0 / 3));",
                                        stdout("0.333400\n")));
        assertFailure(e, 1, "output differs from the stored output", "0.333333 where 0.333400 was");
    }

    @Test
    public void cellsMarkedNotToCompareOnlyHaveToRun() {
        Notebook notebook =
                write(
                        new NotebookFixtures()
                                .code(
                                        "System.nanoTime()",
                                        tempered("compare", false),
                                        result("12345")));
        runner.check(notebook);
    }

    @Test
    public void stderrIsNotCompared() {
        Notebook notebook =
                write(new NotebookFixtures().code("System.err.println(System.nanoTime());"));
        runner.check(notebook);
    }

    @Test
    public void undeclaredArtifactDoesNotCompile() {
        NotebookException e =
                fails(
                        new NotebookFixtures()
                                .code("ai.djl.ndarray.NDManager manager = null;")
                                .code(NotebookFixtures.DEPENDENCIES));
        assertFailure(
                e, 1, "compile error", "package ai.djl.ndarray does not exist", "only the JDK");
    }

    @Test
    public void unknownArtifactFails() {
        NotebookException e =
                fails(new NotebookFixtures().code("int a = 1;\n%maven com.example:nothing:1.0"));
        assertFailure(e, 1, "dependency", "line 2", "not a dependency of this project");
    }

    @Test
    public void otherVersionOfAnArtifactFails() {
        NotebookException e = fails(new NotebookFixtures().code("%maven ai.djl:api:0.35.0"));
        assertFailure(e, 1, "dependency", "this project uses [api-0.36.0.jar]");
    }

    @Test
    public void missingJarIsIgnoredAsInJJavaAndNamedInTheCompileError() {
        NotebookException e =
                fails(
                        new NotebookFixtures()
                                .code(
                                        "%classpath no/such.jar\n"
                                                + "import io.github.tempered.loss.CrossEntropyLoss;"));
        assertFailure(
                e,
                1,
                "compile error",
                "line 2: package io.github.tempered.loss does not exist",
                "%classpath no/such.jar (no such file",
                "JJava ignores without a word");
    }

    @Test
    public void otherVersionOfTheProjectJarIsIgnoredAndNamed() {
        Notebook notebook =
                new NotebookFixtures()
                        .code("%classpath ../target/tempered-0.0.1.jar")
                        .code("io.github.tempered.loss.Reduction.SUM")
                        .at(Path.of("notebooks", "virtual.ipynb"));
        NotebookException e = expectThrows(NotebookException.class, () -> runner.check(notebook));
        assertFailure(e, 2, "compile error", "this project builds tempered-");
    }

    @Test
    public void projectJarMapsToTheProjectClasses() {
        Notebook notebook =
                new NotebookFixtures()
                        .code(
                                "%classpath ../target/"
                                        + Dependencies.ofThisProject().projectJar().getFileName()
                                        + "\nio.github.tempered.loss.Reduction.SUM",
                                result("SUM"))
                        .at(Path.of("notebooks", "virtual.ipynb"));
        runner.check(notebook);
    }

    @Test
    public void lineMagicsRunInOrderWithTheCodeAroundThem() {
        Path jar = Dependencies.ofThisProject().projectJar();
        Notebook notebook =
                write(
                        new NotebookFixtures()
                                .code(
                                        "String before = \"loaded \" + (Thread.currentThread()"
                                                + ".getContextClassLoader()"
                                                + ".getResource(\"x/note.txt\") != null);\n"
                                                + "System.out.println(before);\n"
                                                + "%classpath "
                                                + folder.resolve("resources")
                                                + "\nSystem.out.println(\"loaded \" +"
                                                + " (Thread.currentThread()"
                                                + ".getContextClassLoader()"
                                                + ".getResource(\"x/note.txt\") != null));\n"
                                                + "%classpath "
                                                + jar
                                                + "\nio.github.tempered.loss.Reduction.SUM",
                                        stdout("loaded false\nloaded true\n"),
                                        result("SUM")));
        writeResource("resources/x/note.txt");
        runner.check(notebook);
    }

    @Test
    public void classpathArgumentsSplitOnDoubleQuotesOnly() {
        writeResource("with space/y/note.txt");
        String probe =
                "\nThread.currentThread().getContextClassLoader().getResource(\"y/note.txt\")"
                        + " != null";
        runner.check(
                write(
                        new NotebookFixtures()
                                .code("%classpath \"with space\"" + probe, result("true"))));
        runner.check(
                write(
                        new NotebookFixtures()
                                .code("%classpath 'with space'" + probe, result("false"))));
    }

    @Test
    public void classpathExpandsGlobs() {
        writeResource("globbed/z/note.txt");
        runner.check(
                write(
                        new NotebookFixtures()
                                .code(
                                        "%classpath glob?ed*\nThread.currentThread()"
                                                + ".getContextClassLoader()"
                                                + ".getResource(\"z/note.txt\") != null",
                                        result("true"))));
    }

    @Test
    public void deprecatedJarsMagicWorksAndWarnsOnStandardError() {
        Map<Integer, List<Output>> outputs =
                runner.run(
                        write(
                                new NotebookFixtures()
                                        .code(
                                                "%jars "
                                                        + Dependencies.ofThisProject().projectJar()
                                                        + "\nio.github.tempered.loss.Reduction.SUM")));
        List<Output> cell = outputs.get(1);
        assertEquals(cell.size(), 2, "outputs: " + cell);
        assertEquals(cell.get(0).kind(), Output.Kind.STREAM, "outputs: " + cell);
        assertTrue(cell.get(0).text().contains("%jars is deprecated"), "outputs: " + cell);
        assertEquals(cell.get(1), result("SUM"));
    }

    private void writeResource(String relative) {
        try {
            Path file = folder.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "note");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    public void incompleteCodeFails() {
        NotebookException e =
                fails(new NotebookFixtures().code("for (int i = 0; i < 3; i++) {\n    i++;"));
        assertFailure(e, 1, "compile error", "incomplete code: for (int i = 0");
    }

    @Test
    public void unresolvedMethodFails() {
        NotebookException e = fails(new NotebookFixtures().code("void f() {\n    g();\n}"));
        assertFailure(e, 1, "compile error", "unresolved method g()");
    }

    @Test
    public void variableResetByARedefinitionFails() {
        NotebookException e =
                fails(
                        new NotebookFixtures()
                                .code("class A {}")
                                .code("A a = new A();")
                                .code("class A { int x; }"));
        assertFailure(e, 3, "compile error", "variable a", "reset its value");
    }

    @Test
    public void notebookForAnotherKernelFails() {
        Notebook notebook =
                write(new NotebookFixtures().kernel("python3", "python").code("int a = 1;"));
        NotebookFormatException e =
                expectThrows(NotebookFormatException.class, () -> runner.check(notebook));
        assertTrue(e.getMessage().contains("kernelspec must be"), e.getMessage());
    }

    @Test
    public void writeStoresTheOutputsThatCheckThenAccepts() throws IOException {
        Notebook notebook =
                write(
                        new NotebookFixtures()
                                .markdown("# Outputs")
                                .code(
                                        NotebookFixtures.DEPENDENCIES
                                                + "import ai.djl.ndarray.NDManager;\n"
                                                + "NDManager manager = NDManager.newBaseManager();")
                                .code(
                                        "import java.awt.image.BufferedImage;\n"
                                                + "System.out.println(\"before\");\n"
                                                + "String id = display(new BufferedImage(30, 20,"
                                                + " BufferedImage.TYPE_INT_RGB));\n"
                                                + "System.out.println(\"after\");\n"
                                                + "manager.create(new float[] {1, 2}).sum()"
                                                + ".getFloat()"));
        assertTrue(runner.write(notebook), "the first write stores outputs");
        Notebook written = Notebook.read(notebook.path());
        runner.check(written);
        assertFalse(runner.write(written), "a second write changes nothing");

        List<Output> outputs = written.cells().get(2).outputs();
        assertEquals(outputs.size(), 4, "outputs: " + outputs);
        assertEquals(outputs.get(0), stdout("before\n"));
        assertEquals(outputs.get(1).kind(), Output.Kind.DISPLAY_DATA);
        assertEquals(OutputComparator.imageSize(outputs.get(1).png()), "30x20");
        assertEquals(outputs.get(2), stdout("after\n"));
        assertEquals(outputs.get(3), result("3.0"));
        String text = Files.readString(notebook.path(), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"execution_count\": 2"), text);
        assertEquals(written.format(), text, "the runner writes files as Jupyter does");
    }

    @Test
    public void brokenCellInARealNotebookFails() throws IOException {
        Path path = Path.of("notebooks", "01-softmax-and-cross-entropy.ipynb");
        String json = Files.readString(path, StandardCharsets.UTF_8);
        String call = "logits.logSoftmax(-1)";
        assertTrue(json.contains(call), "the notebook no longer contains " + call);
        Notebook broken = Notebook.parse(path, json.replace(call, "logits.logSoftmaks(-1)"));
        int cell = firstCodeCellContaining(broken, "logSoftmaks");

        NotebookException e = expectThrows(NotebookException.class, () -> runner.check(broken));
        assertFailure(e, cell, "compile error", "cannot find symbol", "logSoftmaks");
        assertTrue(e.getMessage().startsWith(path.toString() + ", cell " + cell), e.getMessage());
    }

    @Test
    public void changedNumberInARealNotebookFails() throws IOException {
        Path path = Path.of("notebooks", "01-softmax-and-cross-entropy.ipynb");
        Notebook original = Notebook.read(path);
        int cell = firstCodeCellContaining(original, "optLabelSmoothing(eps)");
        String json = Files.readString(path, StandardCharsets.UTF_8);
        // A change in the code that moves one printed number: the smoothing 0.1 becomes 0.2.
        Notebook changed =
                Notebook.parse(path, json.replace("float eps = 0.1f;", "float eps = 0.2f;"));

        NotebookException e = expectThrows(NotebookException.class, () -> runner.check(changed));
        assertFailure(e, cell, "output differs from the stored output", "where 0.9");
    }

    private static int firstCodeCellContaining(Notebook notebook, String text) {
        Cell found =
                notebook.cells().stream()
                        .filter(c -> c.type() == Cell.Type.CODE && c.source().contains(text))
                        .findFirst()
                        .orElse(null);
        assertNotNull(found, "no code cell contains " + text);
        return found.number();
    }
}
