// The page's end of the channel between a cell's program and the page:
// globalThis.gonb_comm, with the API gonbui/widgets' scripts use (send,
// subscribe, unsubscribe, newSyncedVariable, close). It opens its own
// connection to the kernel through the Jupyter server's websocket, so it
// works alike in Notebook and JupyterLab, and talks over one comm with
// target "gonb_comm". Every value goes to or from an address; addresses
// starting with "#" belong to the protocol.
(() => {
    "use strict";
    const kernelId = __KERNEL_ID__;
    if (globalThis.gonb_comm) {
        // The kernel asks again only when it lost the page's comm (a
        // restart, a reload): start afresh.
        globalThis.gonb_comm.close();
    }
    if (!globalThis.WebSocket) {
        console.error("gonb_comm: this browser has no WebSocket; widgets will not talk to the kernel");
        return;
    }

    function randomId() {
        const b = new Uint8Array(16);
        crypto.getRandomValues(b);
        return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    }

    // The server's base URL: Notebook puts it on <body>, JupyterLab in
    // its page config.
    function baseUrl() {
        let base = document.body?.dataset?.baseUrl;
        if (!base) {
            const cfg = document.getElementById("jupyter-config-data");
            try {
                base = cfg ? JSON.parse(cfg.textContent).baseUrl : "";
            } catch (e) {
                base = "";
            }
        }
        base = base || "/";
        return base.endsWith("/") ? base : base + "/";
    }

    const session = randomId();
    const comm = {
        debug: false,
        kernelId: kernelId,
        commId: randomId(),
        connected: false,
        closed: false,
        _pending: [],        // values sent before the kernel acknowledged the comm
        _subscribers: new Map(), // address -> Map(id -> callback)
        _synced: new Map(),  // address -> SyncedVariable
        _nextId: 0,
    };
    globalThis.gonb_comm = comm;

    function log(...args) {
        if (comm.debug) {
            console.log("gonb_comm:", ...args);
        }
    }

    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const url = scheme + location.host + baseUrl() + "api/kernels/" + kernelId + "/channels?session_id=" + session;
    const ws = new WebSocket(url);

    function message(msgType, content) {
        const id = randomId();
        return {
            header: {msg_id: id, msg_type: msgType, session: session, username: "", date: new Date().toISOString(), version: "5.3"},
            msg_id: id,
            msg_type: msgType,
            parent_header: {},
            metadata: {},
            content: content,
            buffers: [],
            channel: "shell",
        };
    }

    function post(data) {
        if (comm.closed) {
            return;
        }
        ws.send(JSON.stringify(message("comm_msg", {comm_id: comm.commId, data: data})));
    }

    const ackTimer = setTimeout(() => {
        if (!comm.connected) {
            console.error("gonb_comm: the kernel did not answer; widgets will not talk to it");
            comm.close();
        }
    }, 10000);

    ws.onopen = () => {
        log("websocket open");
        ws.send(JSON.stringify(message("comm_open", {
            comm_id: comm.commId, target_name: "gonb_comm", data: {kernel_id: kernelId},
        })));
    };
    ws.onclose = () => {
        log("websocket closed");
        comm.closed = true;
        if (globalThis.gonb_comm === comm) {
            delete globalThis.gonb_comm;
        }
    };
    ws.onerror = (event) => log("websocket error", event);
    ws.onmessage = (event) => {
        let msg;
        try {
            msg = JSON.parse(event.data);
        } catch (e) {
            return; // a binary message: not ours
        }
        const type = msg.msg_type || msg.header?.msg_type;
        if (msg.content?.comm_id !== comm.commId) {
            return;
        }
        if (type === "comm_close") {
            comm.close();
            return;
        }
        if (type !== "comm_msg") {
            return;
        }
        const data = msg.content.data || {};
        const address = data.address;
        switch (address) {
        case "#comm_open_ack":
            clearTimeout(ackTimer);
            comm.connected = true;
            log("connected");
            for (const d of comm._pending.splice(0)) {
                post(d);
            }
            return;
        case "#heartbeat/ping":
            post({address: "#heartbeat/pong", value: true});
            return;
        case "#heartbeat/pong":
            return;
        }
        if (data.read_request) {
            // The kernel did not know the value: answer with what the
            // page holds, if anything.
            const v = comm._synced.get(address);
            if (v && v.get() !== null && v.get() !== undefined) {
                post({address: address, value: v.get()});
            }
            return;
        }
        if (!("value" in data)) {
            return;
        }
        const subs = comm._subscribers.get(address);
        log("received", address, data.value, subs ? subs.size : 0);
        if (subs) {
            for (const cb of Array.from(subs.values())) {
                cb(address, data.value);
            }
        }
    };

    /** send a value to an address; delivered once connected. */
    comm.send = function(address, value) {
        const d = {address: address, value: value};
        if (comm.connected) {
            post(d);
        } else {
            comm._pending.push(d);
        }
    };

    /** subscribe calls callback(address, value) for each value the kernel
     * sends to address; it returns an id for unsubscribe. */
    comm.subscribe = function(address, callback) {
        const id = Symbol("gonb_comm_" + comm._nextId++);
        if (!comm._subscribers.has(address)) {
            comm._subscribers.set(address, new Map());
        }
        comm._subscribers.get(address).set(id, callback);
        return id;
    };

    comm.unsubscribe = function(id) {
        for (const [address, subs] of comm._subscribers) {
            if (subs.delete(id) && subs.size === 0) {
                comm._subscribers.delete(address);
            }
        }
    };

    comm.close = function() {
        clearTimeout(ackTimer);
        comm.closed = true;
        if (globalThis.gonb_comm === comm) {
            delete globalThis.gonb_comm;
        }
        ws.close(1000, "closed");
    };

    /** newSyncedVariable is a value bound to address: set sends it to the
     * kernel, values from the kernel update it, subscribe watches it. One
     * variable per address. */
    comm.newSyncedVariable = function(address, value) {
        let v = comm._synced.get(address);
        if (!v) {
            v = new SyncedVariable(address);
            comm._synced.set(address, v);
        }
        v.set(value);
        return v;
    };

    function SyncedVariable(address) {
        const watchers = new Map();
        let current = null;
        let next = 0;
        const update = (value) => {
            current = value;
            for (const cb of Array.from(watchers.values())) {
                cb(value);
            }
        };
        comm.subscribe(address, (_, value) => {
            if (value !== current) {
                update(value);
            }
        });
        this.get = () => current;
        this.set = (value) => {
            if (value === current) {
                return;
            }
            update(value);
            comm.send(address, value);
        };
        this.subscribe = (cb) => {
            const id = Symbol("synced_" + next++);
            watchers.set(id, cb);
            return id;
        };
        this.unsubscribe = (id) => watchers.delete(id);
    }
})();
