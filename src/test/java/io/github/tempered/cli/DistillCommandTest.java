package io.github.tempered.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testng.annotations.Test;

/** {@code tempered distill} at reduced size. */
public class DistillCommandTest {

    @Test
    public void reducedRunReportsTeacherAndBothStudents() throws IOException {
        Path json = Files.createTempDirectory("tempered-distill").resolve("distill.json");
        CliRun run =
                CliRun.of(
                        "distill",
                        "--embedded",
                        "--limit",
                        "1200,200,300",
                        "--epochs",
                        "3",
                        "--teacher-hidden",
                        "64,32",
                        "--student-hidden",
                        "32,16",
                        "--json",
                        json.toString());
        assertEquals(run.exitCode(), 0, run.toString());
        JsonObject results = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(results.get("temperature").getAsFloat(), 4f);
        assertEquals(results.get("alpha").getAsFloat(), 0.7f);
        for (String key : new String[] {"teacher", "student_hard_labels", "student_distilled"}) {
            JsonObject m = results.getAsJsonObject(key);
            double accuracy = m.get("accuracy").getAsDouble();
            assertTrue(
                    accuracy > 0.25 && accuracy <= 1,
                    key + " accuracy, chance is 0.1: " + accuracy);
            assertTrue(m.get("nll").getAsDouble() > 0, key + " nll");
            assertTrue(run.out().contains(key.replace('_', ' ')), run.toString());
        }
        assertTrue(
                !results.getAsJsonObject("student_hard_labels")
                        .equals(results.getAsJsonObject("student_distilled")),
                "the two students differ");
        for (String key : new String[] {"student_hard_labels", "student_distilled"}) {
            JsonObject m = results.getAsJsonObject(key);
            double agreement = m.get("agreement_with_teacher").getAsDouble();
            assertTrue(agreement > 0.25 && agreement <= 1, key + " agreement: " + agreement);
            double soft = m.get("soft_target_loss").getAsDouble();
            assertTrue(soft > 0 && Double.isFinite(soft), key + " soft-target loss: " + soft);
        }
        assertTrue(
                results.getAsJsonObject("student_distilled").get("soft_target_loss").getAsDouble()
                        < results.getAsJsonObject("student_hard_labels")
                                .get("soft_target_loss")
                                .getAsDouble(),
                "the distilled student matches the teacher's soft targets more closely: " + run);
        assertTrue(run.out().contains("agreement"), run.toString());
        assertTrue(run.out().contains("Distillation "), "a plain verdict: " + run);
        assertEquals(
                run.out().lines().filter(l -> l.startsWith("epoch ")).count(),
                9L,
                "one line per epoch of each of the three models: " + run);
        assertEquals(run.systemOut(), "", "no progress bars: " + run);
    }

    @Test
    public void invalidAlphaIsAUsageError() {
        CliRun run = CliRun.of("distill", "--embedded", "--alpha", "1.5");
        assertEquals(run.exitCode(), 2, run.toString());
        assertTrue(run.err().contains("alpha"), run.toString());
    }
}
