package dev.spela.data;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The datasets that {@code spela data fetch} can obtain and verify. */
public enum KnownDataset {
  MNIST(
      "mnist",
      "MNIST handwritten digits",
      "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
      "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
      "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
      "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
  FASHION_MNIST(
      "fashion-mnist",
      "Fashion-MNIST clothing images",
      "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
      "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
      "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
      "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");

  private final String id;
  private final String title;
  private final Map<StandardFile, String> sha256;

  /** The digests are of the uncompressed files, in {@link StandardFile} order. */
  KnownDataset(String id, String title, String... sha256) {
    this.id = id;
    this.title = title;
    Map<StandardFile, String> digests = new EnumMap<>(StandardFile.class);
    for (StandardFile file : StandardFile.values()) {
      digests.put(file, sha256[file.ordinal()]);
    }
    this.sha256 = Map.copyOf(digests);
  }

  /** The name users type, such as {@code fashion-mnist}. */
  public String id() {
    return id;
  }

  public String title() {
    return title;
  }

  /** Values per sample: both are 28 x 28 grey-scale images (their files' digests are fixed). */
  public int inputSize() {
    return 28 * 28;
  }

  /** SHA-256 (lower-case hex) of each published file's uncompressed content. */
  public Map<StandardFile, String> publishedSha256() {
    return sha256;
  }

  public static Optional<KnownDataset> byId(String id) {
    return Arrays.stream(values()).filter(d -> d.id.equals(id)).findFirst();
  }

  /** The ids, comma-separated, for messages and help. */
  public static String ids() {
    return Arrays.stream(values()).map(KnownDataset::id).collect(Collectors.joining(", "));
  }
}
