package dev.spela.fleet;

import dev.spela.fleet.security.ImageSigner;
import dev.spela.protocols.fleet.BlockRequestMessage;
import dev.spela.protocols.fleet.FleetStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The host's side of one image transfer (PROTOCOL.md, "Image transfer", Host): the OFFER, the
 * BLOCKs the device pulls, the OFFER again after {@value #REOFFER_SECONDS} s without a request or
 * verdict, and the VERDICT that ends it. Progress is the highest offset the device has asked for:
 * everything below it has been written to the device's slot.
 */
public final class ImageTransfer {

  /** Changes what is sent, to test the device's checks (corrupted blocks, a wrong digest). */
  public interface Tamper {
    /** The bytes to send for the block at {@code offset}: {@code image} itself, or a changed copy of the block. */
    default byte[] block(int offset, byte[] image, int length) {
      return image;
    }

    /** The SHA-256 announced in the OFFER. */
    default byte[] announcedSha256(byte[] real) {
      return real;
    }

    /** The image to transfer in place of the (signed) one given, say without its signature. */
    default byte[] image(byte[] signed) {
      return signed;
    }
  }

  /** No tampering. */
  public static final Tamper NONE = new Tamper() {};

  static final long REOFFER_SECONDS = 10;
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "image-transfer-timer");
            thread.setDaemon(true);
            return thread;
          });

  private final FleetHost host;
  private final DeviceView device;
  private final byte[] image;
  private final byte[] sha256;
  private final long securityCounter;
  private final int blockLog2;
  private final long transferId;
  private final Tamper tamper;
  private final CompletableFuture<FleetHost.Verdict> verdict = new CompletableFuture<>();
  private final AtomicLong confirmed = new AtomicLong();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong blocksWithheld = new AtomicLong();
  private final BlockBudget budget;
  private volatile long lastHeardNanos = System.nanoTime();
  private volatile ScheduledFuture<?> watchdog;

  ImageTransfer(FleetHost host, DeviceView device, byte[] image, int blockLog2, Tamper tamper) {
    this.host = host;
    this.device = device;
    this.tamper = tamper == null ? NONE : tamper;
    this.securityCounter = ImageSigner.securityCounter(image); // announced even if tampered with
    this.image = this.tamper.image(image);
    // An image is named by its model image's SHA-256, signed or not (PROTOCOL.md, OFFER).
    this.sha256 = this.tamper.announcedSha256(ImageSigner.name(this.image));
    this.blockLog2 = blockLog2;
    this.budget = new BlockBudget((this.image.length + (1 << blockLog2) - 1) >> blockLog2);
    // One id names one image (PROTOCOL.md): derived from its digest, so offering the same image
    // again, from this or another host command, resumes the device's transfer.
    long id = ((sha256[0] & 0xFFL) << 24 | (sha256[1] & 0xFFL) << 16 | (sha256[2] & 0xFFL) << 8 | (sha256[3] & 0xFFL));
    this.transferId = id == 0 ? 1 : id;
  }

  void start() throws IOException {
    host.publishOffer(this);
    watchdog = TIMER.scheduleWithFixedDelay(this::reofferIfSilent, 1, 1, TimeUnit.SECONDS);
  }

  private void reofferIfSilent() {
    if (verdict.isDone()) {
      return;
    }
    if (System.nanoTime() - lastHeardNanos >= TimeUnit.SECONDS.toNanos(REOFFER_SECONDS)) {
      lastHeardNanos = System.nanoTime();
      try {
        Logger.info("{}: no block request for {} s, offering the image again", device.id(), REOFFER_SECONDS);
        host.publishOffer(this);
      } catch (IOException e) {
        Logger.warn("{}: offering the image again: {}", device.id(), e.getMessage());
      }
    }
  }

  /**
   * Answers a BLOCK_REQUEST with its blocks, each at most as often as its {@link BlockBudget}
   * allows; returns a drop status for a bad request.
   */
  int serve(long bdSeq, int offset, int blockCount) {
    int block = 1 << blockLog2;
    if (offset < 0 || offset >= image.length || (offset & (block - 1)) != 0
        || blockCount < 1 || blockCount > BlockRequestMessage.MAX_BLOCK_COUNT) {
      return FleetStatus.BAD_FIELD;
    }
    lastHeardNanos = System.nanoTime();
    confirmed.accumulateAndGet(offset, Math::max);
    try {
      long now = System.nanoTime();
      for (int k = 0, at = offset; k < blockCount && at < image.length; k++, at += block) {
        if (!budget.take(at >> blockLog2, now)) {
          blocksWithheld.incrementAndGet();
          continue;
        }
        int length = Math.min(block, image.length - at);
        host.publishBlock(this, bdSeq, at, tamper.block(at, image, length), length);
        bytesSent.addAndGet(length);
      }
    } catch (IOException e) {
      Logger.warn("{}: sending image blocks: {}", device.id(), e.getMessage());
    }
    return FleetStatus.OK;
  }

  void complete(FleetHost.Verdict result) {
    confirmed.set(result.confirmed() ? image.length : confirmed.get());
    cancel();
    verdict.complete(result);
  }

  void cancel() {
    ScheduledFuture<?> w = watchdog;
    if (w != null) {
      w.cancel(false);
    }
    host.finished(this);
  }

  /** Stops serving the transfer after {@code waited} without a verdict; the failure to throw. */
  public IOException giveUp(Duration waited) {
    cancel();
    return new IOException("no verdict from " + device.id() + " within " + waited.toSeconds() + " s (device at "
        + confirmed.get() + " of " + image.length + " bytes)");
  }

  /** Waits for the device's verdict. */
  public FleetHost.Verdict await(Duration timeout) throws IOException, InterruptedException {
    try {
      return verdict.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw giveUp(timeout);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }

  public CompletableFuture<FleetHost.Verdict> verdict() {
    return verdict;
  }

  /** Bytes the device has confirmed writing (the offset of its latest request). */
  public long confirmedBytes() {
    return confirmed.get();
  }

  /** Blocks asked for again too soon and not sent (PROTOCOL.md section 10: no amplification). */
  public long blocksWithheld() {
    return blocksWithheld.get();
  }

  /** Block data bytes sent so far, repeats included. */
  public long bytesSent() {
    return bytesSent.get();
  }


  public String deviceId() {
    return device.id();
  }

  DeviceView device() {
    return device;
  }

  public long transferId() {
    return transferId;
  }

  byte[] image() {
    return image;
  }

  byte[] sha256() {
    return sha256;
  }

  /** The security counter the OFFER announces: the signed image's (0 for an unsigned one). */
  long securityCounter() {
    return securityCounter;
  }

  public int blockLog2() {
    return blockLog2;
  }

}
