package io.github.tempered.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.testng.annotations.Test;

/** {@code tempered demo} at reduced size, on the subset embedded in the jar. */
public class DemoCommandTest {

    @Test
    public void reducedDemoWritesItsReportAndIsDeterministic() throws IOException {
        Path first = Files.createTempDirectory("tempered-demo");
        Path second = Files.createTempDirectory("tempered-demo");
        CliRun a = demo(first);
        assertEquals(a.exitCode(), 0, a.toString());
        assertTrue(a.out().contains("embedded subset"), a.toString());
        assertTrue(a.out().contains("T = "), a.toString());
        assertTrue(a.out().contains("ECE"), a.toString());
        List<String> epochs = a.out().lines().filter(l -> l.startsWith("epoch ")).toList();
        assertEquals(epochs.size(), 2, "one line per epoch when not on a terminal: " + a);
        assertTrue(
                epochs.get(1)
                        .matches(
                                "epoch 2/2: loss [0-9.]+, accuracy [0-9.]+%; validation loss"
                                        + " [0-9.]+, accuracy [0-9.]+%; [0-9.]+ s"),
                "epoch line: " + epochs.get(1));
        assertFalse(a.out().contains("\r"), "no redrawn lines: " + a);
        assertEquals(a.systemOut(), "", "no progress bars: " + a);

        JsonObject report =
                JsonParser.parseString(Files.readString(first.resolve("report.json")))
                        .getAsJsonObject();
        double t = report.get("temperature").getAsDouble();
        assertTrue(t > 0 && Double.isFinite(t), "temperature " + t);
        JsonObject test = report.getAsJsonObject("test");
        assertEquals(test.get("n").getAsInt(), 300);
        double accuracy = test.getAsJsonObject("before").get("accuracy").getAsDouble();
        assertTrue(accuracy > 0.5, "a trained model beats chance by far: " + accuracy);
        assertEquals(
                test.getAsJsonObject("after").get("accuracy").getAsDouble(),
                accuracy,
                "temperature scaling keeps the argmax");
        double nllBefore = report.getAsJsonObject("fit").get("nll_before").getAsDouble();
        double nllAfter = report.getAsJsonObject("fit").get("nll_after").getAsDouble();
        assertTrue(nllAfter <= nllBefore, "the fit lowers the validation NLL");
        for (String png :
                new String[] {
                    "reliability.png", "reliability-before.png", "reliability-after.png"
                }) {
            BufferedImage image = ImageIO.read(first.resolve(png).toFile());
            assertNotNull(image, png);
            assertTrue(image.getWidth() >= 400, png + " width");
        }

        CliRun b = demo(second);
        assertEquals(b.exitCode(), 0, b.toString());
        JsonObject again =
                JsonParser.parseString(Files.readString(second.resolve("report.json")))
                        .getAsJsonObject();
        for (String key : new String[] {"temperature", "train_loss", "fit", "test"}) {
            assertEquals(again.get(key), report.get(key), "same seed, same " + key);
        }
    }

    @Test
    public void terminalKeepsDjlsProgressBars() throws IOException {
        CliRun run =
                CliRun.onTerminal(
                        "demo",
                        "--embedded",
                        "--limit",
                        "600,200,200",
                        "--epochs",
                        "1",
                        "--out",
                        Files.createTempDirectory("tempered-demo").toString());
        assertEquals(run.exitCode(), 0, run.toString());
        assertTrue(run.systemOut().contains("\rTraining:"), "a training bar: " + run);
        assertTrue(run.systemOut().contains("\rValidating:"), "a validation bar: " + run);
        assertTrue(run.out().contains("epoch 1/1: "), "and the epoch line: " + run);
    }

    @Test
    public void missingDataDirectoryIsBadInput() {
        CliRun run = CliRun.of("demo", "--data", "/nonexistent/fashion-mnist", "--epochs", "1");
        assertEquals(run.exitCode(), 1, run.toString());
        assertTrue(run.err().contains("/nonexistent/fashion-mnist"), run.toString());
        assertEquals(run.err().strip().lines().count(), 1L, run.toString());
    }

    private static CliRun demo(Path out) {
        return CliRun.of(
                "demo",
                "--embedded",
                "--limit",
                "1000,300,300",
                "--epochs",
                "2",
                "--seed",
                "5",
                "--out",
                out.toString());
    }
}
