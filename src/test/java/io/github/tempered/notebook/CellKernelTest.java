package io.github.tempered.notebook;

import static io.github.tempered.notebook.NotebookFixtures.result;
import static io.github.tempered.notebook.NotebookFixtures.stdout;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.List;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** One session, as a notebook's cells share it. */
public class CellKernelTest {

    private CellKernel kernel;

    @BeforeClass
    public void start() {
        kernel = CellKernel.start(CellKernelTest.class.getClassLoader());
    }

    @AfterClass(alwaysRun = true)
    public void close() {
        kernel.close();
    }

    @Test
    public void onlyExpressionsWithAValueGiveAResult() {
        assertEquals(kernel.run("int a = 41;"), List.of(), "a declaration");
        assertEquals(kernel.run("a + 1"), List.of(result("42")), "an expression");
        assertEquals(kernel.run("a"), List.of(result("41")), "a variable");
        assertEquals(kernel.run("a = 40;"), List.of(), "an assignment");
        assertEquals(kernel.run("System.out.print(\"\")"), List.of(), "a void call");
        assertEquals(kernel.run("String s = null;\ns"), List.of(), "null");
        assertEquals(kernel.run("\"text\""), List.of(result("text")), "a string, unquoted");
    }

    @Test
    public void startsWithJJavasImportsOnly() {
        assertEquals(kernel.run("new ArrayList<>(List.of(1, 2))"), List.of(result("[1, 2]")));
        assertEquals(kernel.run("Duration.ofSeconds(90)"), List.of(result("PT1M30S")));
        CellKernel.CellFailure failure =
                expectThrows(
                        CellKernel.CellFailure.class,
                        () -> kernel.run("Function<Integer, Integer> f = null;"));
        assertTrue(failure.detail().contains("cannot find symbol"), failure.detail());
    }

    @Test
    public void displayShowsObjectsBetweenThePrintedText() {
        List<Output> outputs =
                kernel.run(
                        "System.out.println(\"one\");\n"
                                + "display(\"shown\");\n"
                                + "System.out.println(\"two\");\n"
                                + "display(7);");
        assertEquals(outputs.size(), 5, outputs.toString());
        assertEquals(outputs.get(0), stdout("one\n"));
        assertEquals(outputs.get(1), new Output(Output.Kind.DISPLAY_DATA, null, "shown", null));
        assertEquals(outputs.get(2), stdout("two\n"));
        assertEquals(outputs.get(3), new Output(Output.Kind.DISPLAY_DATA, null, "7", null));
        // display returns an id, which a last statement shows, as in JJava.
        assertEquals(outputs.get(4).kind(), Output.Kind.EXECUTE_RESULT);
        assertTrue(outputs.get(4).text().matches("[0-9a-f-]{36}"), outputs.toString());
    }

    @Test
    public void importsWithCommentsDoNotResetVariables() {
        kernel.run("List<String> kept = new ArrayList<>(List.of(\"x\"));");
        kernel.run(
                "// a comment above an import\n\nimport java.awt.Point;\n/* and after */ int z = 0;");
        assertEquals(kernel.run("kept"), List.of(result("[x]")));
    }

    @Test
    public void canonicalImportIsOneLineWithoutComments() {
        assertEquals(
                CellKernel.canonical("// why\n\nimport   static java.lang.Math.*; // trailing"),
                "import static java.lang.Math.*;");
        assertEquals(CellKernel.canonical("  int x = 1;  "), "int x = 1;");
        assertEquals(
                CellKernel.canonical("// c\nString s = \"import x;\";"),
                "// c\nString s = \"import x;\";");
    }

    @Test
    public void stderrIsAStreamOfItsOwn() {
        assertEquals(
                kernel.run("System.err.println(\"warn\");"),
                List.of(Output.stream("stderr", "warn\n")));
    }
}
