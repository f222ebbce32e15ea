/**
 * Dataset loaders that read local files and never the network: {@link
 * io.github.tempered.data.FashionMnistData} gives Fashion-MNIST's train, validation and test splits
 * as DJL {@code ArrayDataset}s, from Debian's {@code dataset-fashion-mnist} files when they are
 * installed and from a subset embedded in the jar otherwise; {@link
 * io.github.tempered.data.IdxFormatException} reports a corrupt IDX file.
 */
package io.github.tempered.data;
