package io.tern.daemon.process;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Writes console commands to a process's stdin on its own thread, in submission order
 * (PROTOCOL.md §6.5). A process that stops reading its stdin fills the pipe and would block a
 * writer forever, so writes never happen on the caller's thread: {@link #offer(String)} only
 * queues, and the thread running {@link #run()} blocks instead.
 *
 * <p>Thread safety: any thread may offer and close; exactly one thread runs {@link #run()}. The
 * queue is bounded; a command offered to a full queue is refused.
 */
public final class StdinWriter implements Runnable
{
    /** Commands waiting for a process that does not read its stdin; beyond this, commands are refused. */
    public static final int QUEUE_CAPACITY = 1024;

    private static final byte[] CLOSE = new byte[0];

    private final OutputStream stdin;
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private volatile boolean open = true;

    /**
     * @param stdin the process's stdin; closed when the writer ends.
     */
    public StdinWriter(final OutputStream stdin)
    {
        this.stdin = stdin;
    }

    /**
     * @return false once the writer was closed or a write failed (the process closed its stdin or exited).
     */
    public boolean isOpen()
    {
        return open;
    }

    /**
     * Queues {@code command + "\n"} for writing.
     *
     * @param command the command, without its newline.
     * @return false when the writer is closed or the queue is full.
     */
    public boolean offer(final String command)
    {
        if (!open)
        {
            return false;
        }
        final byte[] text = command.getBytes(StandardCharsets.UTF_8);
        final byte[] line = new byte[text.length + 1];
        System.arraycopy(text, 0, line, 0, text.length);
        line[text.length] = '\n';
        return queue.offer(line);
    }

    /**
     * Stops accepting commands; the writer thread finishes the queued ones (the oldest are dropped if
     * the queue is full), then closes stdin.
     */
    public void close()
    {
        open = false;
        while (!queue.offer(CLOSE))
        {
            queue.poll();
        }
    }

    /**
     * Writes queued commands until closed or a write fails, then closes stdin.
     */
    public void run()
    {
        try
        {
            while (true)
            {
                final byte[] line = queue.take();
                if (line == CLOSE)
                {
                    break;
                }
                stdin.write(line);
                stdin.flush();
            }
        }
        catch (final IOException ex)
        {
            // Broken pipe: the process closed its stdin or exited; later commands are reported as not attached.
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            open = false;
            try
            {
                stdin.close();
            }
            catch (final IOException ignored)
            {
                // Closing a dead pipe can fail; nothing is lost.
            }
        }
    }
}
