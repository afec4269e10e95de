package dev.spela.cli;

import picocli.CommandLine.Option;

/**
 * {@code --secure | --insecure} (an exclusive argument group) of {@code spela broker}: TLS and the
 * fleet's accounts (the default, so {@code --secure} only says it), or plain MQTT with a warning.
 */
public final class SecurityMode {

  @Option(names = "--secure", description = "TLS and the fleet's accounts, the default (see SECURITY.md).")
  boolean secure;

  @Option(
      names = "--insecure",
      description = "Plain MQTT without logins, for local experiments (prints a warning).")
  boolean insecure;
}
