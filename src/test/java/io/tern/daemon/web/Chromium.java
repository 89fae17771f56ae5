package io.tern.daemon.web;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's Chromium, headless, for the browser tests: one process with a new empty profile
 * directory, DevTools on an ephemeral 127.0.0.1 port, and every background service that would try
 * the network switched off (this machine has no network but the loopback). {@link #close()} closes
 * the browser, kills it if it lingers and removes the profile.
 *
 * <p>The binary is {@code /usr/bin/chromium} (system property {@code tern.chromium} to change it).
 * When it is missing the tests fail, saying how to install it; only {@code -Dtern.browser.skip=true}
 * turns that into a skip, announced on stderr.
 */
final class Chromium implements AutoCloseable
{
    static final String SKIP_PROPERTY = "tern.browser.skip";
    private static final long START_TIMEOUT_MILLIS = 30_000;

    private final Process process;
    private final Path profile;
    private final DevTools devTools;

    private Chromium(final Process process, final Path profile, final DevTools devTools)
    {
        this.process = process;
        this.profile = profile;
        this.devTools = devTools;
    }

    /**
     * Starts Chromium; its output goes to {@code log}.
     *
     * @param log a file for Chromium's stderr and stdout.
     * @return the running browser with a DevTools connection.
     */
    static Chromium launch(final Path log) throws Exception
    {
        final Path binary = Path.of(System.getProperty("tern.chromium", "/usr/bin/chromium"));
        if (!Files.isExecutable(binary))
        {
            final String problem = "Chromium is not installed at " + binary + ", so the web console's browser tests cannot run."
                + " Install it with: apt-get install -y --no-install-recommends chromium (.ci/run does).";
            if (Boolean.getBoolean(SKIP_PROPERTY))
            {
                System.err.println("!!!!!!!! SKIPPING THE BROWSER TESTS: " + problem + " (-D" + SKIP_PROPERTY + "=true) !!!!!!!!");
                Assumptions.abort(problem + " Skipped because -D" + SKIP_PROPERTY + "=true.");
            }
            fail(problem + " To skip these tests on purpose, run with -D" + SKIP_PROPERTY + "=true.");
        }
        final Path profile = Files.createTempDirectory("tern-chromium-");
        Files.createDirectories(log.getParent());
        final Process process = new ProcessBuilder(List.of(
            binary.toString(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--mute-audio",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--user-data-dir=" + profile,
            "--window-size=1400,900",
            "about:blank"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        try
        {
            return new Chromium(process, profile, DevTools.connect(endpoint(process, profile, log)));
        }
        catch (final Exception | AssertionError ex)
        {
            process.destroyForcibly();
            deleteQuietly(profile);
            throw ex;
        }
    }

    /** Chromium writes its DevTools port and browser path to DevToolsActivePort once it listens. */
    private static URI endpoint(final Process process, final Path profile, final Path log) throws Exception
    {
        final Path portFile = profile.resolve("DevToolsActivePort");
        final long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < deadline)
        {
            if (!process.isAlive())
            {
                fail("Chromium exited with status " + process.exitValue() + " before DevTools listened; its output:\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
            }
            if (Files.exists(portFile))
            {
                final List<String> lines = Files.readAllLines(portFile, StandardCharsets.UTF_8);
                if (lines.size() >= 2)
                {
                    return URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
                }
            }
            Thread.sleep(20);
        }
        return fail("Chromium did not open DevTools within " + START_TIMEOUT_MILLIS + " ms; its output is in " + log);
    }

    DevTools devTools()
    {
        return devTools;
    }

    @Override
    public void close()
    {
        final List<ProcessHandle> children = process.descendants().toList();
        try
        {
            devTools.callAsync(null, "Browser.close", null);
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        catch (final RuntimeException ex)
        {
            process.destroyForcibly();
        }
        finally
        {
            devTools.close();
            children.forEach(ProcessHandle::destroyForcibly);
            deleteQuietly(profile);
        }
    }

    private static void deleteQuietly(final Path directory)
    {
        try (Stream<Path> files = Files.walk(directory))
        {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            System.err.println("could not remove the Chromium profile " + directory + ": " + ex.getMessage());
        }
    }
}
