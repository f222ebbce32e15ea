package io.github.tempered.grad;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** {@link GradientDemo}: the walkthrough's numbers and its printed sections. */
public class GradientDemoTest {

    private GradientDemo.Report report;
    private String text;

    @BeforeClass
    public void runDemo() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            report = GradientDemo.run(out);
        }
        text = buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void autogradAndAnalyticGradientsAgree() {
        assertTrue(report.gradientsAgree(1e-6), "max difference " + report.maxAbsDifference());
        assertEquals(report.autogradGradient().length, 6);
        assertClose(
                "demo",
                "autograd vs analytic",
                report.autogradGradient(),
                report.analyticGradient(),
                0,
                1e-6);
        assertTrue(report.gradCheck().passed(), report.gradCheck().toString());
        assertEquals(report.gradCheck().getCheckedElements(), 3 + 6);
    }

    @Test
    public void numbersMatchAnIndependentComputation() {
        // The demo's literal inputs and weight, computed here in double precision.
        double[] x = {1.0, -2.0, 0.5};
        double[][] w = {{0.2, -0.4}, {0.7, 0.1}, {-0.3, 0.5}};
        double[] z = new double[2];
        for (int j = 0; j < 2; j++) {
            for (int i = 0; i < 3; i++) {
                z[j] += x[i] * (float) w[i][j];
            }
        }
        double max = Math.max(z[0], z[1]);
        double sum = Math.exp(z[0] - max) + Math.exp(z[1] - max);
        double[] p = {Math.exp(z[0] - max) / sum, Math.exp(z[1] - max) / sum};
        double[] grad = new double[6];
        for (int i = 0; i < 3; i++) {
            grad[2 * i] = x[i] * p[0];
            grad[2 * i + 1] = x[i] * (p[1] - 1);
        }
        assertClose("demo", "probabilities", report.probabilities(), p, 1e-6, 1e-7);
        assertClose(
                "demo",
                "loss",
                new double[] {report.loss()},
                new double[] {-Math.log(p[1])},
                1e-6,
                0);
        assertClose("demo", "autograd gradient", report.autogradGradient(), grad, 1e-5, 1e-7);
    }

    @Test
    public void printsEveryStep() {
        for (int step = 1; step <= 8; step++) {
            assertTrue(
                    text.contains("Step " + step + "."), "missing step " + step + " in:\n" + text);
        }
        for (String expected :
                new String[] {
                    "Parameter",
                    "GradientCollector",
                    "softmax",
                    "CrossEntropyLoss",
                    "dL/dW (autograd)",
                    "dL/dW (analytic)",
                    "max |autograd - analytic|",
                    "GradCheck PASSED"
                }) {
            assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
        }
    }
}
