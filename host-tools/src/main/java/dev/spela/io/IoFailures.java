package dev.spela.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * File errors in words, for one-line messages. The JDK's exceptions for the common cases carry only
 * the file's name ({@code NoSuchFileException: model.img}), which tells the user nothing new.
 */
public final class IoFailures {
  private IoFailures() {}

  /** Why {@code e} happened, naming the file it concerns ("no such file or directory: a/b"). */
  public static String reason(IOException e) {
    return reason(null, e);
  }

  /**
   * Why {@code e} happened, for a message that already names {@code subject}: the file the error
   * concerns is named only when it is another one (a folder's missing member, say).
   */
  public static String reason(Path subject, IOException e) {
    String words = words(e);
    String file = e instanceof FileSystemException f ? f.getFile() : null;
    return file == null || (subject != null && Path.of(file).equals(subject)) ? words : words + ": " + file;
  }

  private static String words(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "it already exists";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "the directory is not empty";
    }
    String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
    if (reason == null || reason.isBlank()) {
      return e.getClass().getSimpleName();
    }
    // The operating system's words ("Is a directory") come capitalised as sentences.
    return Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
  }
}
