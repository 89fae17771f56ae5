package io.tern.engine.fanout;

import io.tern.engine.server.ResourceUsage;
import io.tern.engine.server.ServerState;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.broadcast.BroadcastReceiver;
import org.agrona.concurrent.broadcast.BroadcastTransmitter;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One server's outbound event stream: an Agrona broadcast buffer that the server's producers
 * (the process reader, the stats sampler, power and install workers) write records into and
 * that the fan-out agent reads, encodes once and delivers to every subscribed session.
 *
 * <p>Thread safety: any thread may publish. An Agrona transmitter has a single writer, so
 * publishing takes this channel's lock for the length of one copy; the producers of one server
 * are one process reader plus occasional 1 Hz samples and state changes, so it is uncontended.
 * Publishing never blocks on readers: a reader that falls a whole buffer behind is lapped, which
 * the fan-out counts and reports to the affected sessions.
 *
 * <p>Console lines longer than {@link #maxRecordLength()} are split into several
 * {@code console output} records.
 */
public final class ServerChannel
{
    private final String uuid;
    private final UnsafeBuffer buffer;
    private final BroadcastTransmitter transmitter;
    /** Small records (status, stats, events) are built here. */
    private UnsafeBuffer scratch;
    /** Console lines are transmitted from the caller's array through this view: no copy, no per-server line-sized buffer. */
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final byte[] daemonPrefix;
    private final int maxRecordLength;

    /**
     * @param uuid     the server's uuid.
     * @param capacity broadcast buffer capacity in bytes, a power of two.
     * @param appName  the daemon console prefix name ({@code [<appName> Daemon]:}).
     */
    public ServerChannel(final String uuid, final int capacity, final String appName)
    {
        if (!BitUtil.isPowerOfTwo(capacity))
        {
            throw new IllegalArgumentException("broadcast capacity must be a power of two: " + capacity);
        }
        this.uuid = uuid;
        this.buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + BroadcastBufferDescriptor.TRAILER_LENGTH));
        this.transmitter = new BroadcastTransmitter(buffer);
        this.maxRecordLength = transmitter.maxMsgLength();
        this.scratch = new UnsafeBuffer(new byte[ResourceUsage.MAX_JSON_LENGTH]);
        this.daemonPrefix = ("\u001b[33m\u001b[1m[" + appName + " Daemon]:\u001b[39m ").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @return the server's uuid.
     */
    public String uuid()
    {
        return uuid;
    }

    /**
     * @return the longest payload one record can carry.
     */
    public int maxRecordLength()
    {
        return maxRecordLength;
    }

    /**
     * @return a new receiver positioned at the newest record; for the fan-out agent.
     */
    public BroadcastReceiver newReceiver()
    {
        return new BroadcastReceiver(buffer);
    }

    /**
     * Publishes one process console line.
     *
     * @param utf8   line bytes, without the line terminator.
     * @param offset start of the line.
     * @param length length of the line.
     */
    public void publishConsole(final byte[] utf8, final int offset, final int length)
    {
        publishChunked(RecordType.CONSOLE_OUTPUT, utf8, offset, length);
    }

    /**
     * Publishes one install script output line ({@code install output}).
     *
     * @param utf8   line bytes.
     * @param offset start of the line.
     * @param length length of the line.
     */
    public void publishInstallOutput(final byte[] utf8, final int offset, final int length)
    {
        publishChunked(RecordType.INSTALL_OUTPUT, utf8, offset, length);
    }

    /**
     * Publishes a daemon console line: {@code ESC[33mESC[1m[<app> Daemon]:ESC[39m <text>ESC[0m}
     * as a {@code console output} record (PROTOCOL.md §6.1).
     *
     * @param text the notice text.
     */
    public void publishDaemonConsole(final String text)
    {
        final byte[] line = daemonConsoleLine(text);
        publishChunked(RecordType.CONSOLE_OUTPUT, line, 0, line.length);
    }

    /**
     * Formats a daemon console line as published by {@link #publishDaemonConsole(String)}.
     *
     * @param text the notice text.
     * @return the line's UTF-8 bytes.
     */
    public byte[] daemonConsoleLine(final String text)
    {
        final byte[] body = text.getBytes(StandardCharsets.UTF_8);
        final byte[] line = new byte[daemonPrefix.length + body.length + 4];
        System.arraycopy(daemonPrefix, 0, line, 0, daemonPrefix.length);
        System.arraycopy(body, 0, line, daemonPrefix.length, body.length);
        final int end = daemonPrefix.length + body.length;
        line[end] = 0x1b;
        line[end + 1] = '[';
        line[end + 2] = '0';
        line[end + 3] = 'm';
        return line;
    }

    /**
     * Publishes a state change ({@code status}).
     *
     * @param state the new state.
     */
    public synchronized void publishStatus(final ServerState state)
    {
        scratch.putByte(0, (byte)state.ordinal());
        transmitter.transmit(RecordType.STATUS, scratch, 0, 1);
    }

    /**
     * Publishes a {@code stats} frame for {@code usage}.
     *
     * @param usage the snapshot to encode; read during the call only.
     */
    public synchronized void publishStats(final ResourceUsage usage)
    {
        final int length = usage.writeJson(scratch, 0);
        transmitter.transmit(RecordType.STATS, scratch, 0, length);
    }

    /**
     * Publishes a plain {@code daemon message}.
     *
     * @param text the message.
     */
    public void publishDaemonMessage(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        publishChunked(RecordType.DAEMON_MESSAGE, bytes, 0, bytes.length);
    }

    /**
     * Publishes any other event with one string arg, e.g. {@code install started [""]}.
     *
     * @param event the ASCII event name, at most 127 bytes.
     * @param arg   the single argument.
     */
    public synchronized void publishEvent(final String event, final String arg)
    {
        final byte[] argBytes = arg.getBytes(StandardCharsets.UTF_8);
        final int nameLength = event.length();
        final int argLength = Math.min(argBytes.length, maxRecordLength - 1 - nameLength);
        if (scratch.capacity() < 1 + nameLength + argLength)
        {
            // Events are rare (installs, backups, transfers): growing here is off every hot path.
            scratch = new UnsafeBuffer(new byte[1 + nameLength + argLength]);
        }
        scratch.putByte(0, (byte)nameLength);
        scratch.putStringWithoutLengthAscii(1, event);
        scratch.putBytes(1 + nameLength, argBytes, 0, argLength);
        transmitter.transmit(RecordType.EVENT, scratch, 0, 1 + nameLength + argLength);
    }

    private synchronized void publishChunked(final int type, final byte[] utf8, final int offset, final int length)
    {
        int position = offset;
        final int end = offset + length;
        do
        {
            int chunk = Math.min(maxRecordLength, end - position);
            if (position + chunk < end)
            {
                chunk = utf8CharBoundary(utf8, position, chunk);
            }
            view.wrap(utf8, chunk == 0 ? 0 : position, chunk);
            transmitter.transmit(type, view, 0, chunk);
            position += chunk;
        }
        while (position < end);
    }

    /** Shortens a cut so it does not split a UTF-8 sequence. */
    private static int utf8CharBoundary(final byte[] utf8, final int start, final int chunk)
    {
        int cut = chunk;
        while (cut > 1 && (utf8[start + cut] & 0xC0) == 0x80 && chunk - cut < 3)
        {
            cut--;
        }
        return cut;
    }
}
