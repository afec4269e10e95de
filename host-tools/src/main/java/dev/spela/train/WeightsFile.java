package dev.spela.train;

import dev.spela.io.AtomicFile;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Float weights saved by the host trainer, in the format of {@code docs/weights-format.md}: a
 * header, then per layer its weights (input-major), biases and, for SPELA, its class vectors, then
 * a CRC-32 of everything before it. Files are written atomically ({@link AtomicFile}): a failed save
 * leaves no partial file.
 */
public final class WeightsFile {
  static final int MAGIC = 0x53504C57; // "SPLW"
  static final int VERSION = 2;
  /** Loss codes, in the order of the byte at offset 7. */
  private static final LocalLoss[] LOSSES = {LocalLoss.COSINE, LocalLoss.EUCLIDEAN, LocalLoss.LOGCOS, LocalLoss.SOFTMAX};
  private static final int FLAG_NORMALISED_INPUTS = 1;
  private static final int FLAG_BINARY_WEIGHTS = 2;
  private static final int MAX_LAYERS = 64;
  private static final int MAX_WIDTH = 1 << 20;

  private WeightsFile() {}

  /** The saved state of a network and how it was trained. */
  public record Saved(Network network, long seed, int epochs) {}

  public static void write(Path file, Network network, long seed, int epochs) throws IOException {
    AtomicFile.write(file, raw -> {
      CRC32 crc = new CRC32();
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(raw, crc), 1 << 16));
      writeBody(out, network, seed, epochs);
      out.flush();
      new DataOutputStream(raw).writeInt((int) crc.getValue());
    });
  }

  private static void writeBody(DataOutputStream out, Network network, long seed, int epochs) throws IOException {
    DenseLayer[] layers = network.layers();
    SpelaNetwork spela = network instanceof SpelaNetwork s ? s : null;
    out.writeInt(MAGIC);
    out.writeShort(VERSION);
    out.writeByte(spela != null ? 0 : 1);
    out.writeByte(spela != null ? java.util.Arrays.asList(LOSSES).indexOf(spela.loss()) : 0);
    out.writeInt(network.classes());
    out.writeInt(layers.length);
    out.writeInt(layers[0].inputs());
    for (DenseLayer layer : layers) {
      out.writeInt(layer.outputs());
    }
    out.writeLong(seed);
    out.writeInt(epochs);
    SpelaSettings settings = spela != null ? spela.settings() : SpelaSettings.PAPER;
    out.writeFloat(settings.activation().slope());
    out.writeFloat(settings.temperature());
    boolean normalised = spela != null && settings.normaliseInputs();
    out.writeByte((normalised ? FLAG_NORMALISED_INPUTS : 0) | (layers[0].binarised() ? FLAG_BINARY_WEIGHTS : 0));
    out.writeByte(spela != null ? spela.rawInputLayers() : 0);
    Preprocessing preprocessing = network.preprocessing();
    out.writeByte(preprocessing.kind().ordinal());
    if (preprocessing.kind() != Preprocessing.Kind.NONE) {
      writeFloats(out, preprocessing.offset());
      writeFloats(out, preprocessing.scale());
    }
    for (int k = 0; k < layers.length; k++) {
      writeFloats(out, layers[k].weights());
      writeFloats(out, layers[k].biases());
      if (spela != null) {
        writeFloats(out, spela.priors()[k]);
      }
    }
  }

  /** Reads and checks a weights file; any inconsistency is an IOException naming the problem. */
  public static Saved read(Path file) throws IOException {
    long size = Files.size(file);
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      CRC32 crc = new CRC32();
      DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
      Saved saved = readBody(in, file, size);
      long expected = crc.getValue();
      int stored = new DataInputStream(raw).readInt();
      if ((int) expected != stored) {
        throw new IOException(file + ": checksum mismatch, the file is corrupt");
      }
      if (raw.read() != -1) {
        throw new IOException(file + ": unexpected bytes after the checksum");
      }
      return saved;
    } catch (EOFException e) {
      throw new IOException(file + ": truncated weights file", e);
    }
  }

  private static Saved readBody(DataInputStream in, Path file, long size) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException(file + ": not a SPELA weights file (bad magic)");
    }
    int version = in.readUnsignedShort();
    if (version != 1 && version != VERSION) {
      throw new IOException(file + ": unsupported weights format version " + version);
    }
    int algorithm = in.readUnsignedByte();
    int loss = in.readUnsignedByte();
    if (algorithm > 1 || loss >= (version == 1 ? 2 : LOSSES.length) || (algorithm == 1 && loss != 0)) {
      throw new IOException(file + ": unknown algorithm or loss code");
    }
    int classes = in.readInt();
    int layerCount = in.readInt();
    if (layerCount < 1 || layerCount > MAX_LAYERS || classes < 1 || classes > MAX_WIDTH) {
      throw new IOException(file + ": implausible header (" + layerCount + " layers, " + classes + " classes)");
    }
    int[] sizes = new int[layerCount + 1];
    long expectedBytes = 0;
    for (int k = 0; k < sizes.length; k++) {
      sizes[k] = in.readInt();
      if (sizes[k] < 1 || sizes[k] > MAX_WIDTH) {
        throw new IOException(file + ": implausible layer size " + sizes[k]);
      }
      if (k > 0) {
        expectedBytes += 4L * ((long) sizes[k - 1] * sizes[k] + sizes[k] + (algorithm == 0 ? (long) classes * sizes[k] : 0));
      }
    }
    long seed = in.readLong();
    int epochs = in.readInt();
    long header = 4 + 2 + 1 + 1 + 4 + 4 + 4L * sizes.length + 8 + 4;
    SpelaSettings settings = SpelaSettings.withLoss(LOSSES[loss]);
    int flags = algorithm == 0 ? FLAG_NORMALISED_INPUTS : 0;
    int rawInputLayers = 0;
    Preprocessing preprocessing = Preprocessing.NONE;
    if (version >= 2) {
      float slope = in.readFloat();
      float temperature = in.readFloat();
      flags = in.readUnsignedByte();
      rawInputLayers = in.readUnsignedByte();
      int kind = in.readUnsignedByte();
      header += 4 + 4 + 1 + 1 + 1;
      if (kind >= Preprocessing.Kind.values().length || rawInputLayers >= layerCount || flags > 3) {
        throw new IOException(file + ": unknown preprocessing, flags or frozen-layer count");
      }
      if (kind != 0) {
        header += 8L * sizes[0];
        preprocessing = new Preprocessing(Preprocessing.Kind.values()[kind], readFloats(in, sizes[0]),
            readFloats(in, sizes[0]));
      }
      try {
        settings = new SpelaSettings(new Activation(slope), LOSSES[loss], temperature,
            (flags & FLAG_NORMALISED_INPUTS) != 0, false);
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": " + e.getMessage(), e);
      }
    }
    if (size != header + expectedBytes + 4) {
      throw new IOException(file + ": size " + size + " does not match its header (expected " + (header + expectedBytes + 4) + ")");
    }
    float[][] priors = new float[layerCount][];
    float[][] weights = new float[layerCount][];
    float[][] biases = new float[layerCount][];
    for (int k = 0; k < layerCount; k++) {
      weights[k] = readFloats(in, sizes[k] * sizes[k + 1]);
      biases[k] = readFloats(in, sizes[k + 1]);
      if (algorithm == 0) {
        priors[k] = readFloats(in, classes * sizes[k + 1]);
      }
    }
    Network network;
    if (algorithm == 0) {
      SpelaNetwork spela = new SpelaNetwork(sizes, classes, priors, settings);
      spela.rawInputLayers(rawInputLayers);
      network = spela;
    } else {
      network = new BackpropNetwork(sizes, classes);
    }
    network.preprocessing(preprocessing);
    for (int k = 0; k < layerCount; k++) {
      DenseLayer layer = network.layers()[k];
      System.arraycopy(weights[k], 0, layer.weights(), 0, weights[k].length);
      System.arraycopy(biases[k], 0, layer.biases(), 0, biases[k].length);
    }
    if ((flags & FLAG_BINARY_WEIGHTS) != 0) {
      network.binariseWeights();
    }
    return new Saved(network, seed, epochs);
  }

  private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
    for (float v : values) {
      out.writeFloat(v);
    }
  }

  private static float[] readFloats(DataInputStream in, int count) throws IOException {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = in.readFloat();
    }
    return values;
  }
}
