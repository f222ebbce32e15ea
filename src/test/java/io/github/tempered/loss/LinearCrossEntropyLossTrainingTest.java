package io.github.tempered.loss;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.PairList;
import org.testng.annotations.Test;

/**
 * {@link LinearCrossEntropyLoss} in a DJL training run, with the model head of its javadoc: the
 * head returns the hidden states and its weight while training, logits otherwise.
 */
public class LinearCrossEntropyLossTrainingTest {

    /** A classifier head whose training output is {@code [hidden, weight]} (the javadoc's). */
    static final class Head extends AbstractBlock {
        private final int classes;
        private final Parameter weight;

        Head(int classes) {
            this.classes = classes;
            weight =
                    addParameter(
                            Parameter.builder()
                                    .setName("weight")
                                    .setType(Parameter.Type.WEIGHT)
                                    .build());
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps,
                NDList inputs,
                boolean training,
                PairList<String, Object> params) {
            NDArray hidden = inputs.head();
            NDArray w = ps.getValue(weight, hidden.getDevice(), training);
            return training ? new NDList(hidden, w) : new NDList(hidden.matMul(w.transpose()));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            long d = inputs[0].get(inputs[0].dimension() - 1);
            return new Shape[] {inputs[0], new Shape(classes, d)};
        }

        @Override
        public void prepare(Shape[] inputShapes) {
            Shape in = inputShapes[0];
            weight.setShape(new Shape(classes, in.get(in.dimension() - 1)));
        }
    }

    @Test
    public void easyTrainLowersTheLossAndTheHeadPredicts() throws Exception {
        Engine.getInstance().setRandomSeed(7);
        LinearCrossEntropyLoss loss =
                LinearCrossEntropyLoss.builder().optLabelSmoothing(0.05f).optChunkSize(16).build();
        try (NDManager manager = NDManager.newBaseManager();
                Model model = Model.newInstance("mlp-head")) {
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
                            .add(new Head(3)));
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
                float last = trainer.getTrainingResult().getTrainLoss();
                assertTrue(
                        Float.isFinite(first) && last < 0.7f * first,
                        "training loss should fall: first epoch " + first + ", last " + last);
                NDArray logits = trainer.evaluate(new NDList(features)).head();
                assertEquals(logits.getShape(), new Shape(n, 3), "inference gives logits");
                float accuracy =
                        logits.argMax(1)
                                .eq(labels)
                                .toType(DataType.FLOAT32, false)
                                .mean()
                                .getFloat();
                assertTrue(accuracy > 0.8f, "accuracy " + accuracy);
            }
        }
    }
}
