#!/usr/bin/env python3
"""A loopback SMTP server for the notification tests (Python's smtpd is gone in 3.12).

Speaks enough ESMTP for libcurl: EHLO/HELO, STARTTLS (with the given certificate), AUTH PLAIN
and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT. Each message is written as JSON to OUT_DIR
(mail_from, rcpt_to, auth, tls, data). Prints "ready PORT" once it listens.

    smtp_sink.py OUT_DIR CERT KEY [--require-tls] [--implicit-tls] [--user NAME --password SECRET]

--implicit-tls speaks TLS from the first byte (SMTPS, port 465 style) instead of offering STARTTLS.
"""
import argparse
import asyncio
import base64
import json
import os
import ssl
import sys

args = None
counter = 0


def save(message):
    global counter
    counter += 1
    path = os.path.join(args.out_dir, "mail-%03d.json" % counter)
    with open(path + ".tmp", "w") as f:
        json.dump(message, f)
    os.rename(path + ".tmp", path)


async def session(reader, writer):
    tls = args.implicit_tls
    auth = None
    mail_from, rcpt = None, []

    async def send(line):
        writer.write((line + "\r\n").encode())
        await writer.drain()

    async def readline():
        line = await reader.readline()
        if not line:
            raise ConnectionError("closed")
        return line.decode("utf-8", "replace").rstrip("\r\n")

    await send("220 bscbot-test-sink ESMTP")
    try:
        while True:
            line = await readline()
            verb = line.split(" ", 1)[0].upper()
            rest = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                if verb == "HELO":
                    await send("250 bscbot-test-sink")
                    continue
                caps = ["250-bscbot-test-sink", "250-8BITMIME"]
                if not tls:
                    caps.append("250-STARTTLS")
                if tls or not args.require_tls:
                    caps.append("250-AUTH PLAIN LOGIN")
                caps.append("250 SIZE 10485760")
                for c in caps:
                    await send(c)
            elif verb == "STARTTLS":
                await send("220 go ahead")
                ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                ctx.load_cert_chain(args.cert, args.key)
                await writer.start_tls(ctx)
                tls = True
            elif verb == "AUTH":
                if args.require_tls and not tls:
                    await send("530 must issue STARTTLS first")
                    continue
                parts = rest.split(" ")
                if parts[0].upper() == "PLAIN":
                    blob = parts[1] if len(parts) > 1 else None
                    if blob is None:
                        await send("334 ")
                        blob = await readline()
                    _, user, password = base64.b64decode(blob).decode().split("\0")
                else:
                    await send("334 " + base64.b64encode(b"Username:").decode())
                    user = base64.b64decode(await readline()).decode()
                    await send("334 " + base64.b64encode(b"Password:").decode())
                    password = base64.b64decode(await readline()).decode()
                if args.user and (user != args.user or password != args.password):
                    await send("535 authentication failed")
                    continue
                auth = {"user": user, "password": password}
                await send("235 authenticated")
            elif verb == "MAIL":
                if args.require_tls and not tls:
                    await send("530 must issue STARTTLS first")
                    continue
                if args.user and auth is None:
                    await send("530 authentication required")
                    continue
                mail_from = rest.split(":", 1)[1].strip()
                rcpt = []
                await send("250 ok")
            elif verb == "RCPT":
                rcpt.append(rest.split(":", 1)[1].strip())
                await send("250 ok")
            elif verb == "DATA":
                await send("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    l = await readline()
                    if l == ".":
                        break
                    lines.append(l[1:] if l.startswith("..") else l)
                save({"mail_from": mail_from, "rcpt_to": rcpt, "auth": auth, "tls": tls, "data": "\r\n".join(lines) + "\r\n"})
                await send("250 queued")
            elif verb == "RSET":
                mail_from, rcpt = None, []
                await send("250 ok")
            elif verb == "NOOP":
                await send("250 ok")
            elif verb == "QUIT":
                await send("221 bye")
                break
            else:
                await send("502 not implemented")
    except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    ctx = None
    if args.implicit_tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
    server = await asyncio.start_server(session, "127.0.0.1", 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    print("ready %d" % port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out_dir")
    p.add_argument("cert")
    p.add_argument("key")
    p.add_argument("--require-tls", action="store_true")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    args = p.parse_args()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
