package dev.spela.boards.device;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Properties;

/**
 * A virtual board's flash, kept in a folder so that it survives a restart: two image slots (A/B, as
 * MCUboot lays them out), a checkpoint area, and a small state record (which slot runs, which one
 * is on trial, the boot counter, the progress of an image transfer).
 *
 * <p>Every change of state is written to a new file that atomically replaces the old one, so a
 * device killed at any moment finds either the old or the new state, never a mix. Checkpoints
 * alternate between two files and the state record names the valid one, for the same reason.
 */
public final class EmulatedFlash {

  public static final int NO_SLOT = -1;
  private static final HexFormat HEX = HexFormat.of();
  private static final String STATE_FILE = "flash.properties";

  private final Path dir;
  private final long slotBytes;
  private final Properties state = new Properties();

  /** An image transfer in progress into {@code slot}: bytes below {@code offset} are written. */
  public record Transfer(int transferId, int slot, byte[] sha256, int length, int blockLog2, int offset) {}

  /** The checkpoint's training position, beside the image it saved. */
  public record Checkpoint(byte[] baseSha256, byte[] image, long cursor, int epoch) {}

  /** The outcome of a transfer, kept until the device has reported it (PROTOCOL.md, VERDICT). */
  public record PendingVerdict(int transferId, int outcome, int reason, int detail) {}

  private EmulatedFlash(Path dir, long slotBytes) {
    this.dir = dir;
    this.slotBytes = slotBytes;
  }

  /** Opens (creating if needed) the flash kept in {@code dir}; each image slot holds {@code slotBytes}. */
  public static EmulatedFlash open(Path dir, long slotBytes) throws IOException {
    if (slotBytes <= 0) {
      throw new IllegalArgumentException("slot size must be positive, got " + slotBytes);
    }
    Files.createDirectories(dir);
    EmulatedFlash flash = new EmulatedFlash(dir, slotBytes);
    Path file = dir.resolve(STATE_FILE);
    if (Files.exists(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        flash.state.load(in);
      }
    }
    return flash;
  }

  public Path dir() {
    return dir;
  }

  public long slotBytes() {
    return slotBytes;
  }

  // ------------------------------------------------------------------ boot state

  public int activeSlot() {
    return intValue("active", NO_SLOT);
  }

  /** The slot whose image is on trial (received and verified, not yet confirmed), or NO_SLOT. */
  public int trialSlot() {
    return intValue("trial", NO_SLOT);
  }

  /** True once a boot has started the trial image: a second boot without confirmation rolls back. */
  public boolean trialStarted() {
    return intValue("trial.started", 0) != 0;
  }

  public long bootCounter() {
    return longValue("boot", 0);
  }

  /** Counts a boot and returns the new counter (it ties telemetry records to this boot). */
  public long countBoot() throws IOException {
    long boot = bootCounter() + 1;
    state.setProperty("boot", Long.toString(boot));
    save();
    return boot;
  }

  /**
   * Starts a new MQTT session: adds one to the persisted {@code bdSeq} (before every connection,
   * so a DEATH is always tied to its BIRTH) and returns it.
   */
  public int nextSession() throws IOException {
    int session = intValue("bdseq", 0) + 1;
    state.setProperty("bdseq", Integer.toString(session));
    save();
    return session;
  }

  /** Training state to come back to after a restart (the protocol's STOPPED, TRAINING, PAUSED). */
  public int trainingState() {
    return intValue("training", 0);
  }

  public void trainingState(int trainingState) throws IOException {
    if (trainingState != trainingState()) {
      state.setProperty("training", Integer.toString(trainingState));
      save();
    }
  }

  /** The verdict the device still has to publish, or null. */
  public PendingVerdict pendingVerdict() {
    String id = state.getProperty("verdict.transfer");
    return id == null
        ? null
        : new PendingVerdict(
            Integer.parseInt(id), intValue("verdict.outcome", 0), intValue("verdict.reason", 0),
            intValue("verdict.detail", 0));
  }

  public void pendingVerdict(PendingVerdict verdict) throws IOException {
    if (verdict == null) {
      for (String key : new String[] {"transfer", "outcome", "reason", "detail"}) {
        state.remove("verdict." + key);
      }
    } else {
      state.setProperty("verdict.transfer", Integer.toString(verdict.transferId()));
      state.setProperty("verdict.outcome", Integer.toString(verdict.outcome()));
      state.setProperty("verdict.reason", Integer.toString(verdict.reason()));
      state.setProperty("verdict.detail", Integer.toString(verdict.detail()));
    }
    save();
  }

  public int inactiveSlot() {
    return activeSlot() == 0 ? 1 : 0;
  }

  /** The image in a slot, or null if the slot is empty. */
  public byte[] readSlot(int slot) throws IOException {
    int length = intValue("slot" + slot + ".length", -1);
    if (length < 0) {
      return null;
    }
    byte[] image = new byte[length];
    try (RandomAccessFile file = new RandomAccessFile(slotFile(slot).toFile(), "r")) {
      file.readFully(image);
    }
    return image;
  }

  /** SHA-256 recorded for a slot's image when it was verified, or null. */
  public byte[] slotSha256(int slot) {
    String hex = state.getProperty("slot" + slot + ".sha256");
    return hex == null ? null : HEX.parseHex(hex);
  }

  /** Installs an image directly into a slot and makes it active (the factory programmer's path). */
  public void program(int slot, byte[] image, byte[] sha256) throws IOException {
    checkFits(image.length);
    Path temp = dir.resolve("slot" + slot + ".tmp");
    Files.write(temp, image);
    Files.move(temp, slotFile(slot), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    setSlot(slot, image.length, sha256);
    state.setProperty("active", Integer.toString(slot));
    clearTrial();
    clearTransfer();
    save();
  }

  /** Marks a verified slot as on trial for transfer {@code transferId}: the next boot tries it once. */
  public void markTrial(int slot, int length, byte[] sha256, int transferId) throws IOException {
    setSlot(slot, length, sha256);
    state.setProperty("trial", Integer.toString(slot));
    state.setProperty("trial.transfer", Integer.toString(transferId));
    state.setProperty("trial.started", "0");
    clearTransfer();
    save();
  }

  /** The transfer that brought the trial image. */
  public int trialTransferId() {
    return intValue("trial.transfer", 0);
  }

  /** Records that this boot runs the trial image (not yet confirmed). */
  public void startTrial() throws IOException {
    state.setProperty("trial.started", "1");
    save();
  }

  /** The trial image works: it becomes the active slot. */
  public void confirmTrial() throws IOException {
    int slot = trialSlot();
    if (slot == NO_SLOT) {
      return;
    }
    state.setProperty("active", Integer.toString(slot));
    clearTrial();
    save();
  }

  /** The trial image failed: forget it; the active slot keeps running. */
  public void rollBack() throws IOException {
    int slot = trialSlot();
    if (slot == NO_SLOT) {
      return;
    }
    state.remove("slot" + slot + ".length");
    state.remove("slot" + slot + ".sha256");
    clearTrial();
    save();
  }

  // ------------------------------------------------------------------ image transfer

  /** The transfer in progress, or null. */
  public Transfer transfer() {
    String sha = state.getProperty("transfer.sha256");
    if (sha == null) {
      return null;
    }
    return new Transfer(
        intValue("transfer.id", 0),
        intValue("transfer.slot", 0),
        HEX.parseHex(sha),
        intValue("transfer.length", 0),
        intValue("transfer.blocklog2", 0),
        intValue("transfer.offset", 0));
  }

  /**
   * Starts receiving an image into the inactive slot: erases the slot and records the transfer
   * with no byte written. (Whether an offer resumes the kept transfer instead is the protocol's
   * decision, {@code ImageReceiver}.)
   *
   * @throws IOException if the image is larger than a slot
   */
  public Transfer beginTransfer(int transferId, byte[] sha256, int length, int blockLog2) throws IOException {
    checkFits(length);
    int slot = inactiveSlot();
    if (slot == trialSlot()) {
      rollBack();
    }
    state.remove("slot" + slot + ".length");
    state.remove("slot" + slot + ".sha256");
    try (RandomAccessFile file = new RandomAccessFile(slotFile(slot).toFile(), "rw")) {
      file.setLength(0); // erase
    }
    state.setProperty("transfer.id", Integer.toString(transferId));
    state.setProperty("transfer.slot", Integer.toString(slot));
    state.setProperty("transfer.sha256", HEX.formatHex(sha256));
    state.setProperty("transfer.length", Integer.toString(length));
    state.setProperty("transfer.blocklog2", Integer.toString(blockLog2));
    state.setProperty("transfer.offset", "0");
    save();
    return transfer();
  }

  /**
   * Writes the next block of the transfer; blocks are written in order, so the recorded offset
   * is always the end of a fully written prefix.
   */
  public void writeBlock(int offset, byte[] data, int from, int length) throws IOException {
    Transfer current = transfer();
    if (current == null || offset != current.offset() || offset + length > current.length()) {
      throw new IllegalStateException("block at " + offset + " does not continue the transfer");
    }
    try (RandomAccessFile file = new RandomAccessFile(slotFile(current.slot()).toFile(), "rw")) {
      file.seek(offset);
      file.write(data, from, length);
    }
    state.setProperty("transfer.offset", Integer.toString(offset + length));
    save();
  }

  /** Reads back the received image of a complete transfer. */
  public byte[] readTransfer() throws IOException {
    Transfer current = transfer();
    if (current == null || current.offset() != current.length()) {
      return null;
    }
    byte[] image = new byte[current.length()];
    try (RandomAccessFile file = new RandomAccessFile(slotFile(current.slot()).toFile(), "r")) {
      file.readFully(image);
    }
    return image;
  }

  /** Abandons the transfer in progress (its slot stays erased). */
  public void abandonTransfer() throws IOException {
    clearTransfer();
    save();
  }

  // ------------------------------------------------------------------ checkpoint

  /** Saves a checkpoint of the model trained from the image whose SHA-256 is {@code baseSha256}. */
  public void writeCheckpoint(byte[] baseSha256, byte[] image, int length, long cursor, int epoch)
      throws IOException {
    int next = intValue("checkpoint.file", 1) == 0 ? 1 : 0;
    Path file = dir.resolve("checkpoint" + next + ".img");
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(image, 0, length);
    }
    state.setProperty("checkpoint.file", Integer.toString(next));
    state.setProperty("checkpoint.length", Integer.toString(length));
    state.setProperty("checkpoint.base", HEX.formatHex(baseSha256));
    state.setProperty("checkpoint.cursor", Long.toString(cursor));
    state.setProperty("checkpoint.epoch", Integer.toString(epoch));
    save();
  }

  /** The last checkpoint, or null. */
  public Checkpoint readCheckpoint() throws IOException {
    String base = state.getProperty("checkpoint.base");
    if (base == null) {
      return null;
    }
    byte[] image = new byte[intValue("checkpoint.length", 0)];
    try (RandomAccessFile file =
        new RandomAccessFile(dir.resolve("checkpoint" + intValue("checkpoint.file", 0) + ".img").toFile(), "r")) {
      file.readFully(image);
    }
    return new Checkpoint(
        HEX.parseHex(base),
        image,
        longValue("checkpoint.cursor", 0),
        intValue("checkpoint.epoch", 0));
  }

  public void eraseCheckpoint() throws IOException {
    for (String key : new String[] {"base", "length", "cursor", "epoch"}) {
      state.remove("checkpoint." + key);
    }
    save();
  }

  // ------------------------------------------------------------------ internals

  private void checkFits(long length) throws IOException {
    if (length <= 0 || length > slotBytes) {
      throw new IOException("image of " + length + " bytes does not fit a flash slot of " + slotBytes + " bytes");
    }
  }

  private void clearTrial() {
    state.remove("trial");
    state.remove("trial.started");
    state.remove("trial.transfer");
  }

  private void setSlot(int slot, int length, byte[] sha256) {
    state.setProperty("slot" + slot + ".length", Integer.toString(length));
    state.setProperty("slot" + slot + ".sha256", HEX.formatHex(sha256));
  }

  private void clearTransfer() {
    for (String key : new String[] {"id", "slot", "sha256", "length", "blocklog2", "offset"}) {
      state.remove("transfer." + key);
    }
  }

  private Path slotFile(int slot) {
    return dir.resolve("slot" + slot + ".img");
  }

  private int intValue(String key, int missing) {
    String value = state.getProperty(key);
    return value == null ? missing : Integer.parseInt(value);
  }

  private long longValue(String key, long missing) {
    String value = state.getProperty(key);
    return value == null ? missing : Long.parseLong(value);
  }

  private void save() throws IOException {
    Path temp = dir.resolve(STATE_FILE + ".tmp");
    try (OutputStream out = Files.newOutputStream(temp)) {
      state.store(out, "virtual board flash state");
    }
    Files.move(temp, dir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
