import Foundation
import TestSupport

/// Two "machines" on this one: network namespaces joined by a veth pair (10.77.x.1 and 10.77.x.2), with
/// `mpirun` started in the first and its rsh agent a script that enters the namespace of the host it is
/// asked to reach, so the ranks talk over TCP as on separate machines. Needs root (CI runs as root);
/// `make()` returns nil with the reason when the machine does not allow namespaces.
final class TwoHosts {
    let names: [String]
    let addresses: [String]
    let directory: URL
    var agentLog: URL { directory.appendingPathComponent("agent.log") }
    var hostfile: URL { directory.appendingPathComponent("hostfile") }
    var agent: URL { directory.appendingPathComponent("rsh-agent") }

    private init(names: [String], addresses: [String], directory: URL) {
        self.names = names
        self.addresses = addresses
        self.directory = directory
    }

    /// The two hosts, or the reason they cannot be made here.
    private static func make() throws -> Result<TwoHosts, SkipReason> {
        let tag = "\(getpid() % 100_000)"
        let subnet = "10.77.\(getpid() % 250 + 1)"
        let hosts = TwoHosts(names: ["cbrA\(tag)", "cbrB\(tag)"], addresses: ["\(subnet).1", "\(subnet).2"],
                             directory: try TestData.temporaryDirectory("cbr-two-hosts"))
        let veth = ["cbva\(tag)", "cbvb\(tag)"]
        var steps: [[String]] = [["netns", "add", hosts.names[0]], ["netns", "add", hosts.names[1]],
                                 ["link", "add", veth[0], "type", "veth", "peer", "name", veth[1]]]
        for i in 0..<2 {
            steps += [["link", "set", veth[i], "netns", hosts.names[i]],
                      ["netns", "exec", hosts.names[i], "ip", "addr", "add", "\(hosts.addresses[i])/24", "dev", veth[i]],
                      ["netns", "exec", hosts.names[i], "ip", "link", "set", veth[i], "up"],
                      ["netns", "exec", hosts.names[i], "ip", "link", "set", "lo", "up"]]
        }
        for step in steps {
            let run = try ChildProcess.run("/usr/sbin/ip", step)
            if run.status != 0 {
                hosts.tearDown()
                return .failure(SkipReason("`ip \(step.joined(separator: " "))` failed: "
                    + run.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
        }
        let cases = (0..<2).map { "  \(hosts.addresses[$0])) ns=\(hosts.names[$0]) ;;" }.joined(separator: "\n")
        try """
            #!/bin/sh
            # mpirun's rsh agent: run the command inside the network namespace of the host named first.
            host="$1"; shift
            echo "$host $*" >> '\(hosts.agentLog.path)'
            case "$host" in
            \(cases)
              *) echo "no such host: $host" >&2; exit 1 ;;
            esac
            exec /usr/sbin/ip netns exec "$ns" /bin/sh -c "$*"

            """.write(to: hosts.agent, atomically: true, encoding: .utf8)
        chmod(hosts.agent.path, 0o755)
        try hosts.addresses.map { "\($0) slots=2\n" }.joined().write(to: hosts.hostfile, atomically: true, encoding: .utf8)
        return .success(hosts)
    }

    /// Runs `body` with two fresh hosts, torn down afterwards; where the machine does not allow namespaces,
    /// prints why and runs nothing.
    static func with(_ body: (TwoHosts) throws -> Void) throws {
        switch try make() {
        case .failure(let reason):
            print("skipped: network namespaces are not available here (\(reason))")
        case .success(let hosts):
            defer { hosts.tearDown() }
            try body(hosts)
        }
    }

    /// `mpirun` in the first namespace, one rank per host, TCP only, on the veth subnet.
    func mpirun(_ arguments: [String]) throws -> CLIRun {
        let subnet = addresses[0].split(separator: ".").dropLast().joined(separator: ".") + ".0/24"
        return try CLIRun.run(executable: "/usr/sbin/ip", ["netns", "exec", names[0], TestData.mpirun,
            "-np", "2", "--map-by", "node", "--hostfile", hostfile.path, "--mca", "plm_rsh_agent", agent.path,
            "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", subnet, "--mca", "oob_tcp_if_include", subnet,
            TestData.cbrMPIBinary.path] + arguments)
    }

    /// Whether mpirun launched its daemon on the second host through the agent.
    var reachedSecondHost: Bool {
        ((try? String(contentsOf: agentLog, encoding: .utf8)) ?? "").contains("\(addresses[1]) ")
    }

    func tearDown() {
        for name in names { _ = try? ChildProcess.run("/usr/sbin/ip", ["netns", "del", name]) }
        try? FileManager.default.removeItem(at: directory)
    }
}

struct SkipReason: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
