package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition.InstallScript;
import io.tern.daemon.process.ConsoleLineSplitter;
import io.tern.daemon.process.ProcessTree;
import io.tern.daemon.process.Signal;
import io.tern.engine.fanout.ServerChannel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * One run of a server's install script (PROTOCOL.md §7), standing in for Wings' installer container.
 * The script is written to {@link #SCRIPT_FILE} in the server directory and run as
 * {@code <interpreter> <script file>} through {@code /bin/sh -c}, in the server directory, with the
 * server's environment, stdin closed and stdout/stderr merged; each output line is published as
 * {@code install output} (not throttled, as Wings' install sink is not). The script file is removed
 * when the run ends.
 *
 * <p>Threads: a reader thread ({@code tern-install-<uuid>}) publishes the output; the control worker
 * that started the run blocks in {@link #awaitExit()}; {@link #kill()} may be called from any thread.
 */
final class InstallProcess
{
    /** The script's file name in the server directory. */
    static final String SCRIPT_FILE = ".tern-install.sh";
    /** The interpreter used when the definition names none. */
    static final String DEFAULT_INTERPRETER = "/bin/sh";

    /** How long the reader may take to publish buffered output after the interpreter exited. */
    private static final long READER_DRAIN_MILLIS = 5_000;

    private final ProcessTree tree;
    private final Path scriptFile;
    private final Thread reader;

    private InstallProcess(final ProcessTree tree, final Path scriptFile, final ServerChannel channel, final String threadSuffix)
    {
        this.tree = tree;
        this.scriptFile = scriptFile;
        final ConsoleLineSplitter splitter = new ConsoleLineSplitter(channel::publishInstallOutput);
        this.reader = new Thread(() -> readOutput(splitter), "tern-install-" + threadSuffix);
        this.reader.setDaemon(true);
    }

    /**
     * Writes the script and starts its interpreter.
     *
     * @param script       the install script and interpreter.
     * @param directory    the server directory; must exist.
     * @param environment  the server's environment.
     * @param channel      where output lines are published.
     * @param threadSuffix names the reader thread.
     * @return the running install.
     * @throws IOException when the script cannot be written or the shell cannot be started.
     */
    static InstallProcess start(
        final InstallScript script,
        final Path directory,
        final Map<String, String> environment,
        final ServerChannel channel,
        final String threadSuffix) throws IOException
    {
        final Path scriptFile = directory.resolve(SCRIPT_FILE);
        // The directory belongs to the game server: whatever sits at the script's name (a link, say) is
        // removed, not followed, and the file is created afresh.
        Files.deleteIfExists(scriptFile);
        Files.write(scriptFile, script.script().getBytes(StandardCharsets.UTF_8),
            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        final String interpreter = script.interpreter() == null || script.interpreter().isBlank() ?
            DEFAULT_INTERPRETER : script.interpreter();
        final ProcessTree tree;
        try
        {
            tree = ProcessTree.spawn(interpreter + " " + shellQuote(scriptFile.toString()), directory, environment);
        }
        catch (final IOException | RuntimeException ex)
        {
            Files.deleteIfExists(scriptFile);
            throw ex;
        }
        tree.process().getOutputStream().close();
        final InstallProcess install = new InstallProcess(tree, scriptFile, channel, threadSuffix);
        install.reader.start();
        return install;
    }

    /**
     * Waits for the interpreter to exit, kills whatever it left running, lets the reader publish the
     * remaining output and removes the script file. Blocking; an interrupt kills the install and the
     * wait goes on (the interrupt flag is restored).
     *
     * @return the interpreter's exit code (128 + signal when killed).
     */
    int awaitExit()
    {
        boolean interrupted = false;
        int exitCode;
        while (true)
        {
            try
            {
                exitCode = tree.process().waitFor();
                break;
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
                tree.signal(Signal.KILL);
            }
        }
        tree.killRemaining();
        try
        {
            reader.join(READER_DRAIN_MILLIS);
        }
        catch (final InterruptedException ex)
        {
            interrupted = true;
        }
        try
        {
            Files.deleteIfExists(scriptFile);
        }
        catch (final IOException ex)
        {
            // Left behind in the server directory; the next install replaces it.
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        return exitCode;
    }

    /**
     * SIGKILLs the interpreter and everything it started; {@link #awaitExit()} then returns.
     */
    void kill()
    {
        tree.signal(Signal.KILL);
    }

    private void readOutput(final ConsoleLineSplitter splitter)
    {
        try
        {
            splitter.readFully(tree.process().getInputStream());
        }
        catch (final IOException ex)
        {
            // Closed after the interpreter exited; whatever was buffered has been published.
        }
    }

    /** Quotes {@code text} as one {@code /bin/sh} word. */
    static String shellQuote(final String text)
    {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
