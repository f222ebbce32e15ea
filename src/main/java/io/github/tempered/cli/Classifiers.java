package io.github.tempered.cli;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import io.github.tempered.data.FashionMnistData;
import java.io.IOException;

/** The MLPs of the demo and distillation runs: building, training and predicting logits. */
final class Classifiers {

    static final int BATCH_SIZE = 128;

    private Classifiers() {}

    /**
     * Results of a training run.
     *
     * @param trainLoss the last epoch's training loss
     */
    record TrainingSummary(float trainLoss) {}

    /**
     * Builds an MLP over flattened 28 x 28 images.
     *
     * @param hidden1 units of the first hidden layer
     * @param hidden2 units of the second hidden layer
     * @param classes output logits
     * @return the block
     */
    static SequentialBlock mlp(int hidden1, int hidden2, int classes) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(hidden1).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(hidden2).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(classes).build());
    }

    /**
     * Trains a model on the Fashion-MNIST training split with EasyTrain and Adam, validating on the
     * validation split each epoch.
     *
     * @param model the model (block set, not initialised)
     * @param loss the loss
     * @param data the data
     * @param manager the manager for the datasets
     * @param epochs the number of epochs
     * @param learningRate Adam's learning rate
     * @param progress how to show the epochs
     * @return the summary
     * @throws IOException if the data cannot be read
     * @throws TranslateException if a batch cannot be processed
     */
    static TrainingSummary train(
            Model model,
            Loss loss,
            FashionMnistData data,
            NDManager manager,
            int epochs,
            float learningRate,
            TrainingProgress progress)
            throws IOException, TranslateException {
        return train(
                model,
                loss,
                data.dataset(Dataset.Usage.TRAIN, manager, BATCH_SIZE),
                data.dataset(Dataset.Usage.VALIDATION, manager, BATCH_SIZE),
                epochs,
                learningRate,
                progress);
    }

    /**
     * Trains a model with EasyTrain and Adam on given datasets.
     *
     * @param model the model (block set, not initialised)
     * @param loss the loss
     * @param train the training set
     * @param validation the validation set, or null
     * @param epochs the number of epochs
     * @param learningRate Adam's learning rate
     * @param progress how to show the epochs
     * @return the summary
     * @throws IOException if the data cannot be read
     * @throws TranslateException if a batch cannot be processed
     */
    static TrainingSummary train(
            Model model,
            Loss loss,
            RandomAccessDataset train,
            RandomAccessDataset validation,
            int epochs,
            float learningRate,
            TrainingProgress progress)
            throws IOException, TranslateException {
        DefaultTrainingConfig config =
                new DefaultTrainingConfig(loss)
                        .optOptimizer(
                                Optimizer.adam()
                                        .optLearningRateTracker(Tracker.fixed(learningRate))
                                        .build())
                        .addEvaluator(new Accuracy())
                        .addTrainingListeners(progress.listeners());
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(new Shape(BATCH_SIZE, FashionMnistData.IMAGE_SIZE));
            EasyTrain.fit(trainer, epochs, train, validation);
            TrainingResult result = trainer.getTrainingResult();
            Float trainLoss = result.getTrainLoss();
            return new TrainingSummary(trainLoss == null ? Float.NaN : trainLoss);
        }
    }

    /**
     * Computes a trained model's logits in inference mode.
     *
     * @param model the trained model
     * @param images the (N, 784) images
     * @return the (N, C) logits, attached to the images' manager
     */
    static NDArray logits(Model model, NDArray images) {
        NDManager manager = images.getManager();
        ParameterStore parameters = new ParameterStore(manager, false);
        NDList out = model.getBlock().forward(parameters, new NDList(images), false);
        return out.singletonOrThrow();
    }
}
