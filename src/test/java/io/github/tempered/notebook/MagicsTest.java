package io.github.tempered.notebook;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.List;
import org.testng.annotations.Test;

public class MagicsTest {

    @Test
    public void splitsMagicLinesFromCodeKeepingLineNumbers() {
        Magics.Split split =
                Magics.split(
                        "nb",
                        3,
                        "%maven ai.djl:api:0.36.0\nint a = 1;\n  %jars a.jar \"b c.jar\"\nint b = 2;");
        assertEquals(split.code(), "\nint a = 1;\n\nint b = 2;");
        assertEquals(
                split.magics(),
                List.of(
                        new Magics.Line("maven", List.of("ai.djl:api:0.36.0"), 1),
                        new Magics.Line("jars", List.of("a.jar", "b c.jar"), 3)));
    }

    @Test
    public void acceptsJJavasAliases() {
        for (String name : List.of("addMavenDependency", "addMavenDependencies", "classpath")) {
            Magics.Split split = Magics.split("nb", 1, "%" + name + " x");
            assertEquals(split.magics().get(0).name(), name);
        }
    }

    @Test
    public void rejectsOtherMagicsWithTheCellAndLine() {
        NotebookException e =
                expectThrows(
                        NotebookException.class,
                        () -> Magics.split("nb.ipynb", 5, "int a = 1;\n%time int b = 2;"));
        assertEquals(e.cell(), 5);
        assertEquals(e.kind(), "unknown magic");
        assertTrue(
                e.getMessage().startsWith("nb.ipynb, cell 5: unknown magic: line 2"),
                e.getMessage());
        e = expectThrows(NotebookException.class, () -> Magics.split("nb", 1, "%%bash\nls"));
        assertTrue(e.getMessage().contains("unknown cell magic %%bash"), e.getMessage());
    }

    @Test
    public void rejectsMagicsWithoutArgumentsOrWithAnOpenQuote() {
        NotebookException e =
                expectThrows(NotebookException.class, () -> Magics.split("nb", 1, "%maven"));
        assertTrue(e.getMessage().contains("%maven needs at least one argument"), e.getMessage());
        e = expectThrows(NotebookException.class, () -> Magics.split("nb", 1, "%jars \"a.jar"));
        assertTrue(e.getMessage().contains("unclosed quote"), e.getMessage());
    }

    @Test
    public void leavesCodeWithoutMagicsAlone() {
        String code = "int r = 7\n    * 3;\nString s = \"%d\";";
        assertEquals(Magics.split("nb", 1, code).code(), code);
    }
}
