package io.github.tempered.spark;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.testng.annotations.Listeners;
import org.testng.annotations.Test;

/**
 * The stages inside a {@link Pipeline}, and their persistence: {@code PipelineModel.save/load}
 * round-trips the model (JSON metadata plus the fit as Parquet, as Spark ML writes models), and the
 * estimator and the evaluator save and load their params.
 */
@Listeners(SparkSessions.class)
public class SparkPipelineTest {

    @Test
    public void pipelineModelSavesAndLoads() throws IOException {
        CifarOutputs o = CifarOutputs.get(1);
        Dataset<Row> data = o.dataset(3);
        TemperatureScaling scaling =
                new TemperatureScaling()
                        .setInputCol("probabilities")
                        .setInputKind("probabilities")
                        .setOutputCol("calibrated");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {scaling});
        PipelineModel fitted = pipeline.fit(data);
        TemperatureScalingModel model = (TemperatureScalingModel) fitted.stages()[0];

        Path dir = Files.createTempDirectory("tempered-pipeline");
        String path = dir.resolve("model").toString();
        fitted.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        TemperatureScalingModel back = (TemperatureScalingModel) loaded.stages()[0];
        assertEquals(back.uid(), model.uid(), "uid");
        assertEquals(back.temperature(), model.temperature(), 0.0, "temperature, exactly");
        assertEquals(back.summary(), model.summary(), "the whole fit");
        assertEquals(back.getInputCol(), "probabilities", "inputCol");
        assertEquals(back.getInputKind(), "probabilities", "inputKind");
        assertEquals(back.getOutputCol(), "calibrated", "outputCol");

        List<Row> before = fitted.transform(data).select("calibrated").limit(20).collectAsList();
        List<Row> after = loaded.transform(data).select("calibrated").limit(20).collectAsList();
        for (int i = 0; i < before.size(); i++) {
            assertEquals(
                    ((Vector) after.get(i).get(0)).toArray(),
                    ((Vector) before.get(i).get(0)).toArray(),
                    "row " + i);
        }

        // As Spark ML writes a model: metadata (JSON, one line) and data (Parquet).
        Path stageDir;
        try (Stream<Path> stages = Files.list(dir.resolve("model").resolve("stages"))) {
            stageDir = stages.findFirst().orElseThrow();
        }
        String json;
        try (Stream<Path> parts = Files.list(stageDir.resolve("metadata"))) {
            Path part =
                    parts.filter(p -> p.getFileName().toString().startsWith("part-"))
                            .findFirst()
                            .orElseThrow();
            json = Files.readString(part, StandardCharsets.UTF_8).trim();
        }
        JsonObject metadata = JsonParser.parseString(json).getAsJsonObject();
        assertEquals(metadata.get("class").getAsString(), TemperatureScalingModel.class.getName());
        assertEquals(
                metadata.getAsJsonObject("paramMap").get("outputCol").getAsString(), "calibrated");
        assertEquals(
                metadata.getAsJsonObject("defaultParamMap").get("inputKind").getAsString(),
                "logits");
        try (Stream<Path> files = Files.list(stageDir.resolve("data"))) {
            assertTrue(
                    files.anyMatch(p -> p.getFileName().toString().endsWith(".parquet")),
                    "data is Parquet");
        }

        TemperatureScalingModel direct = TemperatureScalingModel.load(stageDir.toString());
        assertEquals(
                direct.temperature(), model.temperature(), 0.0, "TemperatureScalingModel.load");
    }

    @Test
    public void estimatorAndEvaluatorSaveTheirParams() throws IOException {
        Path dir = Files.createTempDirectory("tempered-stages");
        TemperatureScaling scaling =
                new TemperatureScaling().setInputCol("z").setLabelCol("y").setTol(1e-8);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {scaling});
        pipeline.write().overwrite().save(dir.resolve("pipeline").toString());
        TemperatureScaling loaded =
                (TemperatureScaling)
                        Pipeline.load(dir.resolve("pipeline").toString()).getStages()[0];
        assertEquals(loaded.uid(), scaling.uid(), "uid");
        assertEquals(loaded.getInputCol(), "z", "inputCol");
        assertEquals(loaded.getLabelCol(), "y", "labelCol");
        assertEquals(loaded.getTol(), 1e-8, "tol");
        assertEquals(loaded.getMaxIter(), 100, "maxIter keeps its default");

        MulticlassCalibrationEvaluator evaluator =
                new MulticlassCalibrationEvaluator().setMetricName("adaptiveEce").setNumBins(10);
        evaluator.write().overwrite().save(dir.resolve("evaluator").toString());
        MulticlassCalibrationEvaluator back =
                MulticlassCalibrationEvaluator.load(dir.resolve("evaluator").toString());
        assertEquals(back.uid(), evaluator.uid(), "uid");
        assertEquals(back.getMetricName(), "adaptiveEce", "metricName");
        assertEquals(back.getNumBins(), 10, "numBins");
    }

    @Test
    public void fitTransformEvaluateInOnePipeline() {
        CifarOutputs o = CifarOutputs.get(0);
        Dataset<Row> data = o.dataset(8);
        PipelineModel model =
                new Pipeline()
                        .setStages(
                                new PipelineStage[] {
                                    new TemperatureScaling().setInputCol("logits")
                                })
                        .fit(data);
        MulticlassCalibrationEvaluator evaluator = new MulticlassCalibrationEvaluator();
        double before = evaluator.setInputCol("probabilities").evaluate(data);
        double after =
                evaluator.setInputCol("calibratedProbability").evaluate(model.transform(data));
        // LeNet-5 on CIFAR-10 is overconfident; its fitted T of about 1.6 lowers the ECE.
        assertTrue(after < before, "ECE before " + before + ", after " + after);
    }
}
