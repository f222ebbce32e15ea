package io.github.tempered.notebook;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.List;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** Finding and splitting magics as JJava (1.0-a6 and later) does. */
public class MagicsTest {

    @Test
    public void replacesEachLineMagicInPlaceKeepingLineNumbers() {
        Magics.Parsed parsed =
                Magics.parse(
                        "nb",
                        3,
                        "%maven ai.djl:api:0.36.0\nint a = 1;\n  %classpath a.jar \"b c.jar\"\n"
                                + "int b = 2;");
        assertEquals(parsed.code(), "$magic(0);\nint a = 1;\n  $magic(1);\nint b = 2;", "the code");
        assertEquals(
                parsed.magics(),
                List.of(
                        new Magics.Line("maven", List.of("ai.djl:api:0.36.0"), 1),
                        new Magics.Line("classpath", List.of("a.jar", "b c.jar"), 3)),
                "the magics");
    }

    @Test
    public void magicAfterAnEqualsSignIsAMagic() {
        Magics.Parsed parsed = Magics.parse("nb", 1, "Object cp = %classpath x.jar");
        assertEquals(parsed.code(), "Object cp = $magic(0);");
        assertEquals(parsed.magics().get(0).args(), List.of("x.jar"));
    }

    @DataProvider(name = "code")
    public Object[][] code() {
        return new Object[][] {
            {"remainder", "int r = 7\n    % 3;"},
            {"format string", "String s = \"%d\";"},
            {"magic-like text inside a string", "String s = \"a\" + \"b = %maven x\";"},
            {"percent and a blank", "% maven x"},
            {"two percent signs on a later line", "int a = 1;\n%%time"},
        };
    }

    @Test(dataProvider = "code")
    public void leavesCodeAlone(String what, String code) {
        Magics.Parsed parsed = Magics.parse("nb", 1, code);
        assertEquals(parsed.code(), code, what);
        assertEquals(parsed.magics(), List.of(), what);
    }

    @DataProvider(name = "arguments")
    public Object[][] arguments() {
        return new Object[][] {
            {"blanks and tabs", "a  b\tc ", List.of("a", "b", "c")},
            {"double quotes group", "\"b c.jar\" d", List.of("b c.jar", "d")},
            {"an empty quoted argument", "a \"\" b", List.of("a", "", "b")},
            {"a quote inside a word", "x\"y z\"w", List.of("xy z", "w")},
            {"single quotes are characters", "'b c.jar'", List.of("'b", "c.jar'")},
            {"escaped double quote", "a\\\"b", List.of("a\"b")},
            {"escaped backslash", "a\\\\b", List.of("a\\b")},
            {"other backslashes are dropped", "C:\\x", List.of("C:x")},
            {"an unclosed quote runs to the end", "\"a b", List.of("a b")},
        };
    }

    @Test(dataProvider = "arguments")
    public void splitsArgumentsOnDoubleQuotesOnly(String what, String text, List<String> words) {
        assertEquals(Magics.split(text), words, what + ": " + text);
    }

    @Test
    public void acceptsJJavasDeprecatedNames() {
        for (String name : List.of("addMavenDependency", "jars")) {
            Magics.Parsed parsed = Magics.parse("nb", 1, "%" + name + " x");
            assertEquals(parsed.magics().get(0).name(), name);
            assertTrue(Magics.DEPRECATED.contains(name), name);
        }
    }

    @Test
    public void rejectsAddMavenDependenciesWhichJJavaDropped() {
        NotebookException e =
                expectThrows(
                        NotebookException.class,
                        () -> Magics.parse("nb", 1, "%addMavenDependencies ai.djl:api:0.36.0"));
        assertTrue(e.getMessage().contains("unknown magic %addMavenDependencies"), e.getMessage());
    }

    @Test
    public void rejectsOtherMagicsWithTheCellAndLine() {
        NotebookException e =
                expectThrows(
                        NotebookException.class,
                        () -> Magics.parse("nb.ipynb", 5, "int a = 1;\n%time int b = 2;"));
        assertEquals(e.cell(), 5);
        assertEquals(e.kind(), "unknown magic");
        assertTrue(
                e.getMessage().startsWith("nb.ipynb, cell 5: unknown magic: line 2"),
                e.getMessage());
        e = expectThrows(NotebookException.class, () -> Magics.parse("nb", 1, "%%bash\nls"));
        assertTrue(e.getMessage().contains("unknown cell magic %%bash"), e.getMessage());
    }

    @Test
    public void magicsWithoutArgumentsAreAccepted() {
        // JJava runs them and they add nothing.
        assertEquals(Magics.parse("nb", 1, "%classpath").magics().get(0).args(), List.of());
    }
}
