package io.github.tempered.loss;

import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import org.testng.annotations.Test;

/** {@link CrossEntropyLoss} as the loss of a real DJL training run. */
public class CrossEntropyLossTrainingTest {

    @Test
    public void easyTrainLowersTheLoss() throws Exception {
        Engine.getInstance().setRandomSeed(7);
        CrossEntropyLoss loss =
                CrossEntropyLoss.builder()
                        .optLabelSmoothing(0.05f)
                        .optWeight(new float[] {1f, 1.5f, 0.8f})
                        .build();
        try (NDManager manager = NDManager.newBaseManager();
                Model model = Model.newInstance("mlp")) {
            int n = 600;
            NDArray labels = manager.arange(n).toType(DataType.INT64, false).mod(3);
            NDArray centres =
                    manager.create(new float[] {2, 0, -1, 1.7f, -1, -1.7f}, new Shape(3, 2));
            NDArray features =
                    centres.get(labels).add(manager.randomNormal(new Shape(n, 2)).mul(0.8f));
            ArrayDataset data =
                    new ArrayDataset.Builder()
                            .setData(features)
                            .optLabels(labels)
                            .setSampling(50, true)
                            .build();
            model.setBlock(
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(16).build())
                            .add(Activation::relu)
                            .add(Linear.builder().setUnits(3).build()));
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(loss)
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.01f))
                                            .build())
                            .addTrainingListeners(TrainingListener.Defaults.basic());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(50, 2));
                EasyTrain.fit(trainer, 1, data, null);
                float first = trainer.getTrainingResult().getTrainLoss();
                EasyTrain.fit(trainer, 6, data, null);
                TrainingResult result = trainer.getTrainingResult();
                float last = result.getTrainLoss();
                assertTrue(
                        Float.isFinite(first) && last < 0.7f * first,
                        "training loss should fall: first epoch " + first + ", last " + last);
            }
        }
    }
}
