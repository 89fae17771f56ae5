package io.tern.daemon.process;

import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a process's merged stdout/stderr byte stream into console lines exactly as Wings'
 * {@code ScanReader} does (PROTOCOL.md §4.3): {@code \n} and {@code \r\n} terminators are removed,
 * every {@code " \r"} (space + CR) inside a line becomes {@code "\r\n"}, and a line longer than
 * {@link #MAX_LINE_LENGTH} bytes is cut at that length, the rest continuing as following line(s).
 *
 * <p>Lines stay bytes: one preallocated line buffer is filled and handed to the
 * {@link LineHandler}, which must copy what it keeps before returning. Single-threaded: owned
 * by the process's console reader thread. No allocation after construction.
 */
public final class ConsoleLineSplitter
{
    /** The longest console line; longer lines are cut (Wings' 64 KiB scanner buffer). */
    public static final int MAX_LINE_LENGTH = 65536;

    private static final int READ_BUFFER_LENGTH = 8192;

    private final LineHandler handler;
    /** One spare byte holds a CR that may turn out to be the CR of a CRLF after a full line. */
    private final byte[] line = new byte[MAX_LINE_LENGTH + 1];
    private final byte[] readBuffer = new byte[READ_BUFFER_LENGTH];
    private int length;

    /**
     * @param handler receives each complete line, on the thread that feeds this splitter.
     */
    public ConsoleLineSplitter(final LineHandler handler)
    {
        this.handler = handler;
    }

    /**
     * Reads {@code in} to its end, emitting every line, then emits the unterminated last line if any.
     *
     * @param in the stream to read; not closed by this method.
     * @throws IOException when reading fails (e.g. the stream was closed under the reader).
     */
    public void readFully(final InputStream in) throws IOException
    {
        int read;
        while ((read = in.read(readBuffer, 0, readBuffer.length)) >= 0)
        {
            onBytes(readBuffer, 0, read);
        }
        onEndOfStream();
    }

    /**
     * Feeds bytes from the stream; emits every line they complete.
     *
     * @param src    the bytes.
     * @param offset start in {@code src}.
     * @param count  how many bytes.
     */
    public void onBytes(final byte[] src, final int offset, final int count)
    {
        int position = offset;
        final int end = offset + count;
        while (position < end)
        {
            final int newline = indexOfNewline(src, position, end);
            final int chunkEnd = newline < 0 ? end : newline;
            append(src, position, chunkEnd - position);
            if (newline < 0)
            {
                return;
            }
            completeLine();
            position = newline + 1;
        }
    }

    /**
     * Emits the unterminated last line, if any; a trailing CR is kept, as Go's {@code ReadLine} does at EOF.
     */
    public void onEndOfStream()
    {
        if (length > MAX_LINE_LENGTH)
        {
            emit(MAX_LINE_LENGTH);
            line[0] = '\r';
            length = 1;
        }
        if (length > 0)
        {
            emit(length);
        }
        length = 0;
    }

    private void append(final byte[] src, final int offset, final int count)
    {
        int position = offset;
        int remaining = count;
        while (remaining > 0)
        {
            if (length == MAX_LINE_LENGTH)
            {
                if (remaining == 1 && src[position] == '\r')
                {
                    // May be the CR of a CRLF ending a line of exactly MAX_LINE_LENGTH bytes; decide on the next byte.
                    line[MAX_LINE_LENGTH] = '\r';
                    length = MAX_LINE_LENGTH + 1;
                    return;
                }
                emit(MAX_LINE_LENGTH);
                length = 0;
            }
            else if (length > MAX_LINE_LENGTH)
            {
                // The held CR was content after all: it starts the continuation line.
                emit(MAX_LINE_LENGTH);
                line[0] = '\r';
                length = 1;
            }
            final int n = Math.min(remaining, MAX_LINE_LENGTH - length);
            System.arraycopy(src, position, line, length, n);
            length += n;
            position += n;
            remaining -= n;
        }
    }

    private void completeLine()
    {
        int end = length;
        if (end > 0 && line[end - 1] == '\r')
        {
            end--;
        }
        emit(end);
        length = 0;
    }

    private void emit(final int end)
    {
        replaceSpaceCarriageReturns(line, end);
        handler.onLine(line, 0, end);
    }

    /** Minecraft-style {@code " \r"} cursor tricks become real line breaks; same length, so in place. */
    private static void replaceSpaceCarriageReturns(final byte[] bytes, final int end)
    {
        int i = 0;
        while (i < end - 1)
        {
            if (bytes[i] == ' ' && bytes[i + 1] == '\r')
            {
                bytes[i] = '\r';
                bytes[i + 1] = '\n';
                i += 2;
            }
            else
            {
                i++;
            }
        }
    }

    private static int indexOfNewline(final byte[] src, final int from, final int end)
    {
        for (int i = from; i < end; i++)
        {
            if (src[i] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    /** Receives console lines from a {@link ConsoleLineSplitter}. */
    @FunctionalInterface
    public interface LineHandler
    {
        /**
         * @param buffer the splitter's line buffer; valid only during the call.
         * @param offset start of the line.
         * @param length length of the line, at most {@link #MAX_LINE_LENGTH}.
         */
        void onLine(byte[] buffer, int offset, int length);
    }
}
