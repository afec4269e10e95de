package dev.spela.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.BoardProfile;
import dev.spela.boards.firmware.FirmwareBuilder;
import dev.spela.boards.firmware.FirmwareException;
import dev.spela.boards.firmware.FirmwareRun;
import dev.spela.boards.firmware.FirmwareRunner;
import dev.spela.boards.firmware.SensorData;
import dev.spela.cli.SpelaCommand;
import dev.spela.fleet.security.ImageSigner;
import dev.spela.protocols.image.ImageSignature;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signed firmware on the Cortex-M4 (nrf52840, QEMU mps2-an386) checks the signature trailer of
 * the image in its flash before it loads the model: a genuine signed image verifies (metered,
 * within issue 9's 20 M instructions) and the model trains in the heap planned for it and the
 * verifier; the same image with one signature byte flipped is refused, naming why.
 */
class FirmwareSignedImageTest {

  private static final long TARGET_INSTRUCTIONS = 20_000_000;

  @TempDir Path dir;

  @Test
  void aGenuineSignedImageVerifiesAndAFlippedSignatureByteIsRefused() throws Exception {
    BoardProfile board = BoardCatalogue.standard().byId("nrf52840");
    Path image = dir.resolve("m.img");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, SpelaCommand.execute(out, err, "compile", "--layers", "784,16,34", "-o",
        image.toString()), err.toString());
    KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] encoded = key.getPublic().getEncoded();
    byte[] publicKey = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    byte[] signed = new ImageSigner(key).sign(Files.readAllBytes(image), 7);
    SensorData sensor = new SensorData(new byte[2 * 784], new byte[2], 784);

    FirmwareBuilder.buildSigned(board, signed, publicKey, sensor, sensor, dir.resolve("genuine"));
    FirmwareRun run = FirmwareRunner.run(dir.resolve("genuine"), 600);
    long verify = run.instructions().verify();
    System.out.printf("signature check on %s: %,d instructions; Java heap %,d, used %,d%n",
        run.board(), verify, run.ram().javaHeap(), run.ram().javaHeapUsed());
    assertTrue(verify > 0 && verify <= TARGET_INSTRUCTIONS, run.toString());
    assertEquals(2, run.trainingSamples());

    byte[] flipped = signed.clone();
    flipped[signed.length - ImageSignature.TRAILER_LENGTH + ImageSignature.SIGNATURE_OFFSET + 5] ^= 1;
    FirmwareBuilder.buildSigned(board, flipped, publicKey, sensor, sensor, dir.resolve("flipped"));
    FirmwareException refused = assertThrows(
        FirmwareException.class, () -> FirmwareRunner.run(dir.resolve("flipped"), 600));
    assertTrue(refused.getMessage().contains("the signature does not verify"),
        refused.getMessage());
  }
}
