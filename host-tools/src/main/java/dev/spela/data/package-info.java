/**
 * Datasets for training and evaluation: MNIST-style IDX files read into memory, and the user's
 * verified dataset cache.
 *
 * <ul>
 *   <li>{@link dev.spela.data.Dataset} and {@link dev.spela.data.Split}: a dataset in memory, the
 *       pixels and labels as unsigned bytes, with float conversion for trainers.
 *   <li>{@link dev.spela.data.Dataset#read}: reads the four {@link dev.spela.data.StandardFile}s of
 *       a folder, each raw or gzip, validating every header against the data.
 *   <li>{@link dev.spela.data.DatasetCatalogue}: the cache of the {@link
 *       dev.spela.data.KnownDataset}s, filled only with files whose SHA-256 matches.
 * </ul>
 *
 * Every failure is a {@link dev.spela.data.DatasetException} whose one-line message names the file
 * and the problem. The rules are in README.md beside this file.
 */
package dev.spela.data;
