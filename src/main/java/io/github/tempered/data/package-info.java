/**
 * Readers of local files that never use the network: {@link
 * io.github.tempered.data.FashionMnistData} gives Fashion-MNIST's train, validation and test splits
 * as DJL {@code ArrayDataset}s, from Debian's {@code dataset-fashion-mnist} files when they are
 * installed and from a subset embedded in the jar otherwise; {@link
 * io.github.tempered.data.IdxFormatException} reports a corrupt IDX file; {@link
 * io.github.tempered.data.ModelOutputs} streams a model's saved outputs and labels (NumPy {@code
 * .npy} / {@code .npz} or CSV) as chunks of rows for temperature fits and calibration reports, with
 * memory bounded by one chunk.
 */
package io.github.tempered.data;
