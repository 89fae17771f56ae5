package io.tern.daemon.process;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes console commands to a process's stdin on its own thread, in submission order, so a
 * process that stops reading stdin never blocks a caller. Callers on any thread {@link #offer}
 * command bytes, which are copied into a bounded ring buffer without allocating; the writer
 * thread appends the newline framing already stored with each command and flushes per batch.
 * A full buffer (a process that stopped reading) refuses further commands.
 */
public final class StdinWriter implements Runnable, MessageHandler
{
    /** Bytes of commands waiting for the process; also bounds one command to an eighth of it. */
    public static final int BUFFER_CAPACITY = 64 * 1024;

    private static final int COMMAND = 1;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final OutputStream stdin;
    private final RingBuffer queue = new ManyToOneRingBuffer(
        new UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(BUFFER_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH, 64)));
    private final byte[] scratch = new byte[BUFFER_CAPACITY];
    private volatile boolean open = true;
    private volatile boolean closing;
    private volatile Thread writer;

    /**
     * @param stdin the process's stdin.
     */
    public StdinWriter(final OutputStream stdin)
    {
        this.stdin = stdin;
    }

    /**
     * @return false once stdin was closed or a write to it failed.
     */
    public boolean isOpen()
    {
        return open && !closing;
    }

    /**
     * Queues {@code utf8} plus a newline. Any thread; copies, never blocks, never allocates.
     *
     * @param utf8   the command bytes.
     * @param offset start of the command.
     * @param length its length.
     * @return false when stdin is closed, the command is too long, or the buffer is full.
     */
    public boolean offer(final byte[] utf8, final int offset, final int length)
    {
        if (!isOpen() || length + 1 > queue.maxMsgLength())
        {
            return false;
        }
        final int index = queue.tryClaim(COMMAND, length + 1);
        if (index <= 0)
        {
            return false;
        }
        queue.buffer().putBytes(index, utf8, offset, length);
        queue.buffer().putByte(index + length, (byte)'\n');
        queue.commit(index);
        final Thread thread = writer;
        if (thread != null)
        {
            LockSupport.unpark(thread);
        }
        return true;
    }

    /**
     * {@link #offer(byte[], int, int)} for a {@code String}; allocates.
     *
     * @param command the command without its newline.
     * @return whether it was queued.
     */
    public boolean offer(final String command)
    {
        final byte[] utf8 = command.getBytes(StandardCharsets.UTF_8);
        return offer(utf8, 0, utf8.length);
    }

    /**
     * Writes what is queued, then closes stdin. Any thread.
     */
    public void close()
    {
        closing = true;
        final Thread thread = writer;
        if (thread != null)
        {
            LockSupport.unpark(thread);
        }
    }

    /**
     * The writer loop: drains the buffer into stdin until {@link #close()} or a write error.
     */
    @Override
    public void run()
    {
        writer = Thread.currentThread();
        try
        {
            while (true)
            {
                final int written = queue.read(this);
                if (written > 0)
                {
                    stdin.flush();
                    continue;
                }
                if (closing)
                {
                    break;
                }
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
            }
        }
        catch (final IOException | UncheckedWriteException ex)
        {
            // The process closed its stdin or exited: commands are refused from now on.
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
                // Nothing more can be done with a broken pipe.
            }
        }
    }

    @Override
    public void onMessage(final int type, final org.agrona.MutableDirectBuffer buffer, final int index, final int length)
    {
        buffer.getBytes(index, scratch, 0, length);
        try
        {
            stdin.write(scratch, 0, length);
        }
        catch (final IOException ex)
        {
            throw new UncheckedWriteException(ex);
        }
    }

    /** Carries a write failure out of the ring buffer's handler. */
    private static final class UncheckedWriteException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        UncheckedWriteException(final IOException cause)
        {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
