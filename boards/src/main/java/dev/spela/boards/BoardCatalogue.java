package dev.spela.boards;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The known boards, by id. {@link #standard()} holds the profiles shipped with this module
 * (resources {@code dev/spela/boards/*.json}, listed in {@code catalogue.txt}).
 */
public final class BoardCatalogue {

  private static final String RESOURCES = "/dev/spela/boards/";
  private static final String INDEX = RESOURCES + "catalogue.txt";

  private final Map<String, BoardProfile> byId = new LinkedHashMap<>();

  private BoardCatalogue(List<BoardProfile> profiles) {
    for (BoardProfile profile : profiles) {
      if (byId.putIfAbsent(profile.id(), profile) != null) {
        throw new BoardProfileException("two board profiles have the id '" + profile.id() + "'");
      }
    }
  }

  /** A catalogue of these profiles, in this order; ids must be unique. */
  public static BoardCatalogue of(List<BoardProfile> profiles) {
    return new BoardCatalogue(profiles);
  }

  /**
   * The shipped profiles, read and checked anew on each call.
   *
   * @throws BoardProfileException if a shipped profile is missing or malformed
   */
  public static BoardCatalogue standard() {
    List<BoardProfile> profiles = new ArrayList<>();
    for (String file : indexEntries()) {
      String resource = RESOURCES + file;
      try (InputStream in = BoardCatalogue.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new BoardProfileException(INDEX + " lists " + file + ", which is missing");
        }
        profiles.add(BoardProfile.read(resource, in));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + resource, e);
      }
    }
    return new BoardCatalogue(profiles);
  }

  /** The profile file names in the index, one a line; blank lines and # comments are skipped. */
  private static List<String> indexEntries() {
    try (InputStream in = BoardCatalogue.class.getResourceAsStream(INDEX)) {
      if (in == null) {
        throw new BoardProfileException(INDEX + " is missing from the class path");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      return reader
          .lines()
          .map(String::strip)
          .filter(line -> !line.isEmpty() && !line.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + INDEX, e);
    }
  }

  /** Every board, in catalogue order. */
  public List<BoardProfile> boards() {
    return List.copyOf(byId.values());
  }

  public List<String> ids() {
    return List.copyOf(byId.keySet());
  }

  /**
   * The board with this id.
   *
   * @throws NoSuchElementException for an unknown id, with a message listing the known ones
   */
  public BoardProfile byId(String id) {
    BoardProfile profile = byId.get(id);
    if (profile == null) {
      throw new NoSuchElementException(
          "unknown board '" + id + "' (known boards: " + String.join(", ", ids()) + ")");
    }
    return profile;
  }
}
