package dev.spela.fleet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Telemetry under a run folder, one CSV file per device ({@code telemetry/<device>.csv}, one row
 * per record and layer), stored idempotently by {@code (device, bdSeq, recordCounter)}
 * (PROTOCOL.md, "Telemetry storage"): a record already in the file is not written again, whether
 * it is a QoS 1 redelivery or came through another collector writing to the same folder. Appends
 * hold an exclusive file lock and first read what other writers appended, so several collector
 * processes can share a run folder.
 */
public final class TelemetryStore {

  static final String HEADER =
      "device,group,bdSeq,record,state,deviceTimeMs,samplesSeen,epoch,stepMicros,ramUsed,learningRateQ24,"
          + "layer,accuracy,loss,weightNorm\n";

  /**
   * File locks are held by the whole JVM: stores of one process that share a file take turns here
   * first (a second lock from the same JVM would fail instead of waiting).
   */
  private static final Map<Path, Object> IN_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();

  private final Path dir;
  private final Map<String, Known> files = new HashMap<>();
  private long stored;
  private long duplicates;

  /** Keys already in one device's file, and how far the file has been read. */
  private static final class Known {
    final Set<Long> keys = new HashSet<>();
    long readUpTo;
  }

  public TelemetryStore(Path runDir) throws IOException {
    this.dir = Files.createDirectories(runDir.resolve("telemetry"));
  }

  public Path dir() {
    return dir;
  }

  /**
   * Stores a record unless its key is already stored.
   *
   * @return true if it was new
   */
  public synchronized boolean store(TelemetryRecord record) throws IOException {
    Path file = dir.resolve(record.device() + ".csv");
    Known known = files.computeIfAbsent(record.device(), d -> new Known());
    synchronized (IN_PROCESS.computeIfAbsent(file.toAbsolutePath().normalize(), f -> new Object())) {
      return append(file, known, record);
    }
  }

  private boolean append(Path file, Known known, TelemetryRecord record) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      channel.lock(); // held until the channel closes
      catchUp(channel, known);
      if (known.keys.contains(record.key())) {
        duplicates++;
        return false;
      }
      StringBuilder rows = new StringBuilder();
      if (channel.size() == 0) {
        rows.append(HEADER);
      }
      for (int k = 0; k < record.layers().size(); k++) {
        TelemetryRecord.Layer layer = record.layers().get(k);
        rows.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d%n",
            record.device(), record.group(), record.bdSeq(), record.recordCounter(), record.trainingState(),
            record.deviceTimeMs(), record.samplesSeen(), record.epoch(), record.stepMicros(), record.ramUsed(),
            record.learningRateQ24(), k, layer.accuracyQ15(), layer.lossQ15(), layer.weightNormQ16()));
      }
      ByteBuffer bytes = ByteBuffer.wrap(rows.toString().getBytes(StandardCharsets.US_ASCII));
      long at = channel.size();
      while (bytes.hasRemaining()) {
        at += channel.write(bytes, at);
      }
      known.readUpTo = at;
      known.keys.add(record.key());
      stored++;
      return true;
    }
  }

  /** Reads rows other writers appended since this store last looked. */
  private static void catchUp(FileChannel channel, Known known) throws IOException {
    long size = channel.size();
    if (size <= known.readUpTo) {
      return;
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) (size - known.readUpTo));
    long at = known.readUpTo;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        break;
      }
      at += n;
    }
    String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
    int end = text.lastIndexOf('\n') + 1; // a writer holds the lock until its rows are complete
    for (String line : text.substring(0, end).split("\n")) {
      Row row = Row.parse(line);
      if (row != null) {
        known.keys.add(row.bdSeq << 32 | row.record);
      }
    }
    known.readUpTo += end;
  }

  /** Records written by this store. */
  public synchronized long stored() {
    return stored;
  }

  /** Records not written because their key was already stored. */
  public synchronized long duplicates() {
    return duplicates;
  }

  /** One CSV row: one layer of one record. */
  public record Row(
      String device,
      long bdSeq,
      long record,
      int state,
      long deviceTimeMs,
      long samplesSeen,
      long epoch,
      int layer,
      int accuracyQ15,
      int lossQ15,
      long weightNormQ16) {

    static Row parse(String line) {
      String[] f = line.split(",", -1);
      if (f.length != 15 || f[0].equals("device")) {
        return null;
      }
      try {
        return new Row(f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), Integer.parseInt(f[4]),
            Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]), Integer.parseInt(f[11]),
            Integer.parseInt(f[12]), Integer.parseInt(f[13]), Long.parseLong(f[14]));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  /** Every row stored in a run folder, by device (file order). */
  public static Map<String, List<Row>> read(Path runDir) throws IOException {
    Map<String, List<Row>> rows = new java.util.TreeMap<>();
    Path telemetry = runDir.resolve("telemetry");
    if (!Files.isDirectory(telemetry)) {
      return rows;
    }
    try (Stream<Path> files = Files.list(telemetry)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".csv")).sorted().toList()) {
        List<Row> list = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
          Row row = Row.parse(line);
          if (row != null) {
            list.add(row);
          }
        }
        if (!list.isEmpty()) {
          rows.put(list.get(0).device(), list);
        }
      }
    }
    return rows;
  }
}
