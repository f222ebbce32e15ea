package io.github.tempered.spark;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.testing.ReportAssert;
import org.apache.spark.ml.param.ParamMap;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Listeners;
import org.testng.annotations.Test;

/**
 * {@link MulticlassCalibrationEvaluator} against {@link CalibrationReport} on the four CIFAR model
 * outputs, as datasets in 1, 3 and 8 partitions: every number agrees to 1e-12 absolute, from
 * probabilities and from logits.
 */
@Listeners(SparkSessions.class)
public class MulticlassCalibrationEvaluatorTest {

    private static final double ATOL = 1e-12;

    @DataProvider
    public static Object[][] filesAndPartitions() {
        return CifarOutputs.filesAndPartitions();
    }

    private static void assertSameReport(
            String name, CalibrationReport actual, CalibrationReport expected) {
        ReportAssert.assertSameReport(name, actual, expected, ATOL);
    }

    @Test(dataProvider = "filesAndPartitions")
    public void probabilitiesGiveTheSingleMachineReport(int file, int partitions) {
        CifarOutputs o = CifarOutputs.get(file);
        CalibrationReport expected;
        try (NDManager manager = NDManager.newBaseManager()) {
            expected = CalibrationReport.of(o.probabilities(manager), o.labels(manager), 15);
        }
        CalibrationReport actual =
                new MulticlassCalibrationEvaluator()
                        .setInputCol("probabilities")
                        .report(o.dataset(partitions));
        assertSameReport(
                o.name + " in " + partitions + " partition(s), array<float> probabilities",
                actual,
                expected);
    }

    @Test(dataProvider = "filesAndPartitions")
    public void logitsGiveTheSingleMachineReport(int file, int partitions) {
        CifarOutputs o = CifarOutputs.get(file);
        CalibrationReport expected;
        try (NDManager manager = NDManager.newBaseManager()) {
            expected = CalibrationReport.ofLogits(o.logits(manager), o.labels(manager), 10);
        }
        String column = partitions == 3 ? "logitsVector" : "logits";
        CalibrationReport actual =
                new MulticlassCalibrationEvaluator()
                        .setInputCol(column)
                        .setInputKind("logits")
                        .setNumBins(10)
                        .report(o.dataset(partitions));
        assertSameReport(
                o.name + " in " + partitions + " partition(s), logits in " + column,
                actual,
                expected);
    }

    @Test
    public void evaluateReturnsTheNamedMetric() {
        CifarOutputs o = CifarOutputs.get(0);
        CalibrationReport report;
        try (NDManager manager = NDManager.newBaseManager()) {
            report = CalibrationReport.of(o.probabilities(manager), o.labels(manager), 15);
        }
        MulticlassCalibrationEvaluator evaluator =
                new MulticlassCalibrationEvaluator().setInputCol("probabilities");
        assertEquals(evaluator.getMetricName(), "ece", "default metric");
        String[] names = {"ece", "mce", "adaptiveEce", "classwiseEce", "nll", "brier", "accuracy"};
        double[] expected = {
            report.ece(),
            report.mce(),
            report.adaptiveEce(),
            report.classwiseEce(),
            report.nll(),
            report.brier(),
            report.accuracy()
        };
        for (int i = 0; i < names.length; i++) {
            evaluator.setMetricName(names[i]);
            assertEquals(evaluator.evaluate(o.dataset(3)), expected[i], ATOL, names[i]);
            assertEquals(evaluator.isLargerBetter(), names[i].equals("accuracy"), names[i]);
        }
    }

    @Test
    public void paramsAreExplainedValidatedAndCopied() {
        MulticlassCalibrationEvaluator evaluator =
                new MulticlassCalibrationEvaluator().setNumBins(20).setMetricName("nll");
        String explained = evaluator.explainParams();
        for (String param :
                new String[] {"inputCol", "inputKind", "labelCol", "metricName", "numBins"}) {
            assertTrue(explained.contains(param), param + " in explainParams: " + explained);
        }
        MulticlassCalibrationEvaluator copy = evaluator.copy(new ParamMap());
        assertEquals(copy.uid(), evaluator.uid(), "copy keeps the uid");
        assertEquals(copy.getNumBins(), 20, "copy keeps numBins");
        assertEquals(copy.getMetricName(), "nll", "copy keeps metricName");
        assertEquals(copy.getInputKind(), "probabilities", "default inputKind");
        assertFalse(copy.isLargerBetter(), "nll: smaller is better");
        expectThrows(IllegalArgumentException.class, () -> evaluator.setMetricName("auc"));
        expectThrows(IllegalArgumentException.class, () -> evaluator.setNumBins(0));
        expectThrows(IllegalArgumentException.class, () -> evaluator.setInputKind("scores"));
    }
}
