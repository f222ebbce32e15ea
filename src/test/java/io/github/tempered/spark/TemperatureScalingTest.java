package io.github.tempered.spark;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDManager;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Listeners;
import org.testng.annotations.Test;

/**
 * {@link TemperatureScaling} against {@link TemperatureScaler} on the four CIFAR model outputs, as
 * datasets in 1, 3 and 8 partitions: the temperatures agree to 1e-9 relative (only the order of the
 * float64 sums differs), for logits and for probabilities, in arrays of float, of double and in
 * Vectors; the model's output is {@code softmax(z / T)}.
 */
@Listeners(SparkSessions.class)
public class TemperatureScalingTest {

    @DataProvider
    public static Object[][] filesAndPartitions() {
        return CifarOutputs.filesAndPartitions();
    }

    /** The single-machine fit of a file's logits. */
    private static TemperatureFit reference(CifarOutputs o) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return new TemperatureScaler().fit(o.logits(manager), o.labels(manager));
        }
    }

    private static void assertTemperature(String name, double actual, TemperatureFit expected) {
        double error = Math.abs(actual - expected.temperature()) / expected.temperature();
        assertTrue(
                error <= 1e-9,
                String.format(
                        Locale.ROOT,
                        "%s: T = %.15g, TemperatureScaler gives %.15g (%.2e relative)",
                        name,
                        actual,
                        expected.temperature(),
                        error));
    }

    @Test(dataProvider = "filesAndPartitions")
    public void probabilitiesGiveTheSingleMachineTemperature(int file, int partitions) {
        CifarOutputs o = CifarOutputs.get(file);
        TemperatureFit expected = reference(o);
        String name = o.name + " in " + partitions + " partition(s), array<float> probabilities";
        TemperatureScalingModel model =
                new TemperatureScaling()
                        .setInputCol("probabilities")
                        .setInputKind("probabilities")
                        .fit(o.dataset(partitions));
        assertTemperature(name, model.temperature(), expected);
        TemperatureFit fit = model.summary();
        assertEquals(fit.outcome(), TemperatureFit.Outcome.CONVERGED, name);
        assertEquals(fit.iterations(), expected.iterations(), name + ": passes");
        assertEquals(fit.nllBefore(), expected.nllBefore(), 1e-12, name + ": NLL before");
        assertEquals(fit.nllAfter(), expected.nllAfter(), 1e-12, name + ": NLL after");
    }

    @Test(dataProvider = "filesAndPartitions")
    public void logitsGiveTheSingleMachineTemperature(int file, int partitions) {
        CifarOutputs o = CifarOutputs.get(file);
        TemperatureFit expected = reference(o);
        Dataset<Row> data = o.dataset(partitions).cache();
        try {
            for (String column : new String[] {"logits", "logitsVector"}) {
                double t = new TemperatureScaling().setInputCol(column).fit(data).temperature();
                assertTemperature(
                        o.name + " in " + partitions + " partition(s), column " + column,
                        t,
                        expected);
            }
        } finally {
            data.unpersist();
        }
    }

    @Test
    public void transformAddsSoftmaxOfScaledLogits() {
        CifarOutputs o = CifarOutputs.get(0);
        Dataset<Row> data = o.dataset(3);
        TemperatureScaling scaling = new TemperatureScaling().setOutputCol("calibrated");
        TemperatureScalingModel model = scaling.fit(data);
        assertEquals(model.uid(), scaling.uid(), "the model takes its estimator's uid");
        assertEquals(model.parent(), scaling, "parent");
        assertEquals(model.getOutputCol(), "calibrated", "params are copied to the model");
        List<Row> rows =
                model.setInputKind("logits")
                        .transform(data)
                        .select("logits", "calibrated", "label")
                        .limit(50)
                        .collectAsList();
        double t = model.temperature();
        for (Row row : rows) {
            double[] z = o.logits[0].clone();
            List<Double> logits = row.getList(0);
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < z.length; c++) {
                z[c] = logits.get(c) / t;
                max = Math.max(max, z[c]);
            }
            double sum = 0;
            for (int c = 0; c < z.length; c++) {
                sum += Math.exp(z[c] - max);
            }
            double[] actual = ((Vector) row.get(1)).toArray();
            for (int c = 0; c < z.length; c++) {
                double expected = Math.exp(z[c] - max) / sum;
                assertEquals(actual[c], expected, 1e-12, "row " + row + ", class " + c);
            }
        }
        // Probabilities in, the same probabilities out: their log is the logits.
        List<Row> fromProbabilities =
                model.setInputCol("probabilities")
                        .setInputKind("probabilities")
                        .transform(data)
                        .select("calibrated")
                        .limit(50)
                        .collectAsList();
        for (int i = 0; i < rows.size(); i++) {
            double[] a = ((Vector) fromProbabilities.get(i).get(0)).toArray();
            double[] b = ((Vector) rows.get(i).get(1)).toArray();
            for (int c = 0; c < a.length; c++) {
                assertEquals(a[c], b[c], 1e-12, "row " + i + ", class " + c);
            }
        }
    }

    @Test
    public void transformSchemaAppendsAVectorColumn() {
        StructType schema = CifarOutputs.get(0).dataset(1).schema();
        StructType out = new TemperatureScaling().transformSchema(schema);
        assertEquals(out.fieldNames().length, schema.fieldNames().length + 1);
        assertEquals(out.apply("calibratedProbability").dataType().typeName(), "vector");
    }

    @Test
    public void paramsAreExplainedAndCopied() {
        TemperatureScaling scaling = new TemperatureScaling().setLabelCol("y").setMaxIter(7);
        String explained = scaling.explainParams();
        for (String param :
                new String[] {"inputCol", "inputKind", "labelCol", "outputCol", "maxIter", "tol"}) {
            assertTrue(explained.contains(param), param + " in explainParams: " + explained);
        }
        TemperatureScaling copy = scaling.copy(new org.apache.spark.ml.param.ParamMap());
        assertEquals(copy.uid(), scaling.uid(), "copy keeps the uid");
        assertEquals(copy.getLabelCol(), "y", "copy keeps the params");
        assertEquals(copy.getMaxIter(), 7, "copy keeps the params");
        assertEquals(copy.getInputCol(), "logits", "default inputCol");
        assertEquals(copy.getTol(), 1e-6, "default tol");
    }
}
