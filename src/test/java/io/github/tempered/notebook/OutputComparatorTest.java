package io.github.tempered.notebook;

import static io.github.tempered.notebook.NotebookFixtures.result;
import static io.github.tempered.notebook.NotebookFixtures.stdout;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class OutputComparatorTest {

    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-6;

    private static Cell cell(Cell.Options options, Output... stored) {
        return new Cell(1, Cell.Type.CODE, "", List.of(stored), options);
    }

    private static String difference(String expected, String actual) {
        return OutputComparator.textDifference(expected, actual, RTOL, ATOL);
    }

    @DataProvider(name = "matching")
    public Object[][] matching() {
        return new Object[][] {
            {"same text", "loss 0.123456\n", "loss 0.123456\n"},
            {"within rtol", "1234.5678", "1234.5000"},
            {"one unit of the last digit", "0.0012", "0.0013"},
            {"scientific, one unit", "1.234e-05", "1.235e-05"},
            {"below atol", "x = 3.2e-11", "x = -1.5e-10"},
            {"sign shifts padding", "a  0.5000\nb  0.0000", "a  0.5000\nb -0.0000"},
            {"blank runs", "T =  2.00", "T = 2.00"},
            {"trailing blank", "done \n", "done\n"},
            {"NaN", "[NaN, 0.0]", "[NaN, 0.0]"},
            {"infinity", "-Infinity", "-Infinity"},
        };
    }

    @Test(dataProvider = "matching")
    public void matches(String name, String expected, String actual) {
        assertNull(difference(expected, actual), name);
    }

    @DataProvider(name = "differing")
    public Object[][] differing() {
        return new Object[][] {
            {"integer", "count 41", "count 42", "42 where the integer 41 was"},
            {"shape", "(2, 3)", "(3, 3)", "3 where the integer 2 was"},
            {"two units of the last digit", "0.0012", "0.0014", "0.0014 where 0.0012 was"},
            {"beyond rtol", "1234.5678", "1234.8", "1234.8 where 1234.5678 was"},
            {
                "word",
                "passed: true",
                "passed: false",
                "text «passed: false» where «passed: true» was"
            },
            {"word for number", "x = NaN", "x = one", "line 1: text «x = one» where «x = » was"},
            {"NaN for number", "x = 1.0", "x = NaN", "NaN where 1.0 was"},
            {"ends early", "a\nb\n", "a\n", "line 2: output ends early"},
            {"goes on", "a\n", "a\nb\n", "line 2: output goes on past the end"},
            {"ends early after a number", "a 1\nb\n", "a 1", "line 1: output ends early"},
        };
    }

    @Test(dataProvider = "differing")
    public void differs(String name, String expected, String actual, String why) {
        String difference = difference(expected, actual);
        assertTrue(difference != null && difference.contains(why), name + ": " + difference);
    }

    @Test
    public void namesTheLineOfADifferentWord() {
        String difference = difference("one\ntwo\nthree\n", "one\ntwo\nfour\n");
        assertTrue(difference.startsWith("line 3: text"), difference);
    }

    @Test
    public void namesTheLineOfTheDifference() {
        String difference = difference("a 1\nb 2\nc 3\n", "a 1\nb 2\nc 4\n");
        assertTrue(difference.startsWith("line 3: 4 where the integer 3 was"), difference);
        assertTrue(difference.contains("expected: c 3"), difference);
        assertTrue(difference.contains("actual:   c 4"), difference);
    }

    @Test
    public void usesTheCellsTolerances() {
        Cell loose = cell(new Cell.Options(true, 1e-2, 0), stdout("1.000\n"));
        assertEquals(OutputComparator.differences(loose, List.of(stdout("1.009\n"))), List.of());
        Cell strict = cell(Cell.Options.DEFAULT, stdout("1.000\n"));
        assertEquals(OutputComparator.differences(strict, List.of(stdout("1.009\n"))).size(), 1);
    }

    @Test
    public void ignoresStderrAndJoinsStdout() {
        Cell cell = cell(Cell.Options.DEFAULT, stdout("a\nb\n"), result("1"));
        List<Output> fresh =
                List.of(
                        stdout("a\n"),
                        Output.stream("stderr", "a log line\n"),
                        stdout("b\n"),
                        result("1"));
        assertEquals(OutputComparator.differences(cell, fresh), List.of());
    }

    @Test
    public void countsAndKindsOfOutputsMustMatch() {
        Cell cell = cell(Cell.Options.DEFAULT, stdout("a\n"));
        String difference = OutputComparator.differences(cell, List.of(result("a"))).get(0);
        assertTrue(difference.contains("got execute_result text/plain"), difference);
        difference = OutputComparator.differences(cell, List.of()).get(0);
        assertTrue(difference.contains("expected 1 outputs"), difference);
    }

    @Test
    public void comparesImagesBySize() {
        Output small =
                CellKernel.render(
                        Output.Kind.DISPLAY_DATA,
                        new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB));
        Output otherPixels =
                CellKernel.render(
                        Output.Kind.DISPLAY_DATA,
                        new BufferedImage(30, 20, BufferedImage.TYPE_INT_ARGB));
        Output wide =
                CellKernel.render(
                        Output.Kind.DISPLAY_DATA,
                        new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB));
        Cell cell = cell(Cell.Options.DEFAULT, small);
        assertEquals(OutputComparator.differences(cell, List.of(otherPixels)), List.of());
        String difference = OutputComparator.differences(cell, List.of(wide)).get(0);
        assertTrue(difference.contains("image is 40x20, expected 30x20"), difference);
        assertEquals(OutputComparator.imageSize("bm90IGEgcG5n"), "not a PNG");
    }

    @Test
    public void cellsMarkedNotToCompareAlwaysMatch() {
        Cell cell = cell(new Cell.Options(false, RTOL, ATOL), stdout("1\n"));
        assertEquals(OutputComparator.differences(cell, List.of(stdout("2\n"))), List.of());
    }
}
