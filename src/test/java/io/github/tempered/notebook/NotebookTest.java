package io.github.tempered.notebook;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Runs every notebook in {@code notebooks/} as a Java kernel would, compares each cell's outputs
 * with the stored ones, and checks that the files are what {@link NotebookRunner} writes.
 */
public class NotebookTest {

    private static final Path NOTEBOOKS = Path.of("notebooks");

    private NotebookRunner runner;

    @BeforeClass
    public void setUp() {
        runner = NotebookRunner.forThisProject();
    }

    @DataProvider(name = "notebooks")
    public Object[][] notebooks() {
        List<Path> files = NotebookRunner.notebooks(NOTEBOOKS);
        Object[][] rows = new Object[files.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {files.get(i).getFileName().toString()};
        }
        return rows;
    }

    @Test
    public void theFourNotebooksExist() {
        List<String> names = new ArrayList<>();
        for (Object[] row : notebooks()) {
            names.add((String) row[0]);
        }
        List<String> expected =
                List.of(
                        "01-softmax-and-cross-entropy.ipynb",
                        "02-temperature.ipynb",
                        "03-gradients.ipynb",
                        "04-calibration.ipynb");
        assertTrue(names.containsAll(expected), "notebooks in " + NOTEBOOKS + ": " + names);
    }

    /** The notebook runs without errors and every cell's outputs match the stored ones. */
    @Test(dataProvider = "notebooks")
    public void runsAndMatchesItsStoredOutputs(String name) throws IOException {
        runner.check(Notebook.read(NOTEBOOKS.resolve(name)));
    }

    /**
     * The file is exactly what {@code NotebookRunner --write} writes from its stored outputs:
     * Jupyter's formatting, every code cell run once in order, outputs in the runner's form.
     */
    @Test(dataProvider = "notebooks")
    public void isWrittenByTheRunner(String name) throws IOException {
        Path path = NOTEBOOKS.resolve(name);
        Notebook notebook = Notebook.read(path);
        Map<Integer, List<Output>> stored = new HashMap<>();
        for (Cell cell : notebook.cells()) {
            stored.put(cell.number(), cell.outputs());
        }
        String text = Files.readString(path, StandardCharsets.UTF_8);
        assertEquals(
                notebook.withOutputs(stored),
                text,
                name + " was not written by the runner; run " + NotebookRunner.WRITE_COMMAND);
    }

    /** Java kernel, a title, markdown before every code cell, outputs committed. */
    @Test(dataProvider = "notebooks")
    public void isAJavaNotebookThatExplainsEveryStep(String name) throws IOException {
        Notebook notebook = Notebook.read(NOTEBOOKS.resolve(name));
        assertEquals(notebook.kernelspec("name"), "java", name + ": kernelspec name");
        assertEquals(notebook.kernelspec("language"), "java", name + ": kernelspec language");
        List<Cell> cells = notebook.cells();
        assertEquals(cells.get(0).type(), Cell.Type.MARKDOWN, name + ": first cell");
        assertTrue(cells.get(0).source().startsWith("# "), name + ": no title");
        int withOutputs = 0;
        for (int i = 1; i < cells.size(); i++) {
            Cell cell = cells.get(i);
            if (cell.type() == Cell.Type.CODE) {
                assertEquals(
                        cells.get(i - 1).type(),
                        Cell.Type.MARKDOWN,
                        name + ", cell " + cell.number() + ": a code cell without explanation");
                withOutputs += cell.outputs().isEmpty() ? 0 : 1;
            }
        }
        assertTrue(withOutputs >= 3, name + ": only " + withOutputs + " code cells have outputs");
    }

    /**
     * The notebooks run unmodified in JJava on any system: {@code %classpath} and {@code %maven},
     * not their deprecated forms, and no {@code %maven} line names a platform's native library (DJL
     * downloads the one for the user's system).
     */
    @Test(dataProvider = "notebooks")
    public void loadsItsDependenciesPortably(String name) throws IOException {
        Notebook notebook = Notebook.read(NOTEBOOKS.resolve(name));
        int magics = 0;
        for (Cell cell : notebook.cells()) {
            if (cell.type() != Cell.Type.CODE) {
                continue;
            }
            for (Magics.Line magic : Magics.parse(name, cell.number(), cell.source()).magics()) {
                String where = name + ", cell " + cell.number() + ", line " + magic.line() + ": ";
                magics++;
                assertFalse(
                        Magics.DEPRECATED.contains(magic.name()),
                        where + "%" + magic.name() + " is deprecated in JJava");
                for (String arg : magic.args()) {
                    assertFalse(
                            arg.contains("pytorch-native")
                                    || arg.matches(".*[-:](linux|osx|win)-(x86_64|aarch64).*"),
                            where + "a platform's native library: " + arg);
                }
            }
        }
        assertTrue(magics > 0, name + " loads nothing");
    }

    @Test(dataProvider = "notebooks")
    public void isListedInTheReadme(String name) throws IOException {
        String readme = Files.readString(NOTEBOOKS.resolve("README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("(" + name + ")"), "notebooks/README.md does not link " + name);
    }

    @Test
    public void readsSourcesGivenAsOneString() {
        String json =
                "{\"cells\": [{\"cell_type\": \"code\", \"metadata\": {}, \"outputs\": [],"
                        + " \"source\": \"int a = 1;\\nint b = 2;\"}],"
                        + " \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}";
        Notebook notebook = Notebook.parse(Path.of("one-string.ipynb"), json);
        assertEquals(notebook.cells().get(0).source(), "int a = 1;\nint b = 2;");
    }

    @Test
    public void keepsFieldsItDoesNotKnow() {
        String json =
                "{\"cells\": [{\"cell_type\": \"code\", \"execution_count\": 7, \"id\": \"x1\","
                        + " \"metadata\": {\"collapsed\": true}, \"outputs\": [],"
                        + " \"source\": [\"1 + 1\"]}],"
                        + " \"metadata\": {\"custom\": [1, 2]}, \"nbformat\": 4,"
                        + " \"nbformat_minor\": 5}";
        Notebook notebook = Notebook.parse(Path.of("fields.ipynb"), json);
        String written =
                notebook.withOutputs(
                        Map.of(
                                1,
                                List.of(new Output(Output.Kind.EXECUTE_RESULT, null, "2", null))));
        assertTrue(written.contains("\"id\": \"x1\""), written);
        assertTrue(written.contains("\"collapsed\": true"), written);
        assertTrue(written.contains("\"custom\": [\n   1,\n   2\n  ]"), written);
        assertTrue(written.contains("\"execution_count\": 1"), written);
        assertTrue(written.contains("\"text/plain\": [\n       \"2\"\n      ]"), written);
    }

    @Test
    public void rejectsWhatIsNotANotebook() {
        assertTrue(
                expectThrows(
                                NotebookFormatException.class,
                                () -> Notebook.parse(Path.of("x.ipynb"), "[1, 2]"))
                        .getMessage()
                        .contains("not a JSON object"));
        assertTrue(
                expectThrows(
                                NotebookFormatException.class,
                                () -> Notebook.parse(Path.of("x.ipynb"), "{\"nbformat\": 3}"))
                        .getMessage()
                        .contains("nbformat must be 4"));
        assertTrue(
                expectThrows(
                                NotebookFormatException.class,
                                () ->
                                        Notebook.parse(
                                                Path.of("x.ipynb"),
                                                "{\"nbformat\": 4, \"cells\": [{\"cell_type\":"
                                                        + " \"code\", \"source\": \"x\","
                                                        + " \"outputs\": [{\"output_type\":"
                                                        + " \"error\"}]}]}"))
                        .getMessage()
                        .contains("must run without errors"));
        assertTrue(
                expectThrows(
                                NotebookFormatException.class,
                                () ->
                                        Notebook.parse(
                                                Path.of("x.ipynb"),
                                                "{\"nbformat\": 4, \"cells\": [{\"cell_type\":"
                                                        + " \"code\", \"source\": \"x\","
                                                        + " \"metadata\": {\"tempered\":"
                                                        + " {\"comapre\": false}}}]}"))
                        .getMessage()
                        .contains("unknown key metadata.tempered.comapre"));
    }
}
