package dev.spela.firmware;

import dev.spela.protocols.crypto.Ed25519Verifier;
import dev.spela.protocols.image.ImageSignature;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.subset.InitPhase;

/**
 * The signed firmware's program ({@code spela firmware build --signed}): {@link FirmwareMain}'s,
 * after a check of the image in slot A before it is loaded (MODEL_FORMAT.md, "Signed images"): the
 * trailer after the model image must verify under the trusted key the firmware was built with
 * ({@code image.key}), or the firmware stops ({@link FirmwareRecord#FAIL_SIGNATURE}). The model
 * image's SHA-256 is hashed from flash first, as a device has it from the transfer's check; only
 * the trailer's check is metered ({@link FirmwareRecord#PHASE_VERIFY}): what one image signature
 * costs the core. A program of its own so that the plain firmware does not carry the verifier's
 * code and static data.
 */
public final class SignedFirmwareMain {

  private final byte[] key = new byte[Ed25519Verifier.PUBLIC_KEY_LENGTH];
  private final Ed25519Verifier verifier = new Ed25519Verifier();

  private SignedFirmwareMain() {}

  @InitPhase
  public static void main(String[] args) {
    FirmwareMain firmware = FirmwareMain.allocate(FirmwareMemory.SIGNATURE_CHECK_HEAP_BYTES);
    if (firmware == null) {
      return;
    }
    int status = firmware.checkSignature(new SignedFirmwareMain());
    if (status != ImageSignature.OK) {
      Natives.fail(FirmwareRecord.FAIL_SIGNATURE, status, 0);
      return;
    }
    firmware.run();
  }

  /**
   * Checks the trailer at {@code slot[imageBytes..]} of the model image whose SHA-256 is {@code
   * imageSha256}, read through {@code block} (at least a trailer's length): an {@link
   * ImageSignature} status.
   */
  @InitPhase
  int check(FlashRegion slot, int imageBytes, byte[] block, byte[] imageSha256) {
    if (Natives.imageKeyRead(key, 0, key.length) != key.length
        || imageBytes + ImageSignature.TRAILER_LENGTH > slot.size()) {
      return ImageSignature.NOT_SIGNED;
    }
    slot.read(imageBytes, block, 0, ImageSignature.TRAILER_LENGTH);
    Natives.meter(FirmwareRecord.PHASE_VERIFY, 1);
    int status = ImageSignature.check(verifier, key, 0, block, 0, imageSha256, 0);
    Natives.meter(FirmwareRecord.PHASE_VERIFY, 0);
    return status;
  }
}
