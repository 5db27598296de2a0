// Command names for the command-injection detector. `STRONG` names are unambiguous in a
// parameter (nobody's search term is `whoami`); `WEAK` ones are English words or too short
// (`cat`, `time`, `more`), so they need shell-looking arguments around them.

export const STRONG_UNIX = [
  'whoami', 'uname', 'ifconfig', 'ipconfig', 'wget', 'curl', 'nc', 'ncat', 'netcat', 'bash', 'sh', 'zsh', 'ksh',
  'csh', 'tcsh', 'dash', 'busybox', 'python', 'python2', 'python3', 'perl', 'ruby', 'php', 'node', 'nodejs',
  'lua', 'irb', 'jrunscript', 'nslookup', 'chmod', 'chown', 'chgrp', 'crontab', 'base64', 'base32', 'passwd',
  'xterm', 'telnet', 'tftp', 'netstat', 'ss', 'nmap', 'socat', 'mkfifo', 'mknod', 'useradd', 'usermod',
  'userdel', 'groupadd', 'visudo', 'sudo', 'su', 'systemctl', 'iptables', 'killall', 'pkill', 'xxd',
  'hexdump', 'strace', 'ltrace', 'gdb', 'awk', 'gawk', 'mawk', 'nawk', 'sed', 'grep', 'egrep', 'fgrep',
  'xargs', 'printenv', 'env', 'id', 'ls', 'll', 'pwd', 'ps', 'wc', 'tee', 'uniq', 'rm', 'cp', 'mv', 'ln', 'dd',
  'tar', 'gzip', 'gunzip', 'bzip2', 'unxz', 'xz', 'zcat', 'zip', 'unzip', '7z', 'openssl', 'ssh', 'scp',
  'sftp', 'rsync', 'ftp', 'dig', 'host', 'traceroute', 'ping', 'arp', 'route', 'lsof', 'fuser', 'lsmod',
  'insmod', 'modprobe', 'dmesg', 'journalctl', 'getent', 'nohup', 'setsid', 'chroot', 'unshare', 'nsenter',
  'docker', 'kubectl', 'podman', 'ansible', 'ansible-playbook', 'chef', 'puppet', 'cscli', 'gcc', 'cc',
  'make', 'cmake', 'javac', 'java', 'go', 'cargo', 'rustc', 'npm', 'npx', 'pip', 'gem', 'composer', 'git',
  'svn', 'vi', 'vim', 'nano', 'emacs', 'ed', 'ex', 'less', 'more', 'head', 'tail', 'tac', 'nl', 'od',
  'strings', 'file', 'stat', 'cut', 'column', 'fold', 'comm', 'diff', 'cmp', 'paste', 'join', 'split',
  'csplit', 'rev', 'tr', 'expand', 'unexpand', 'fmt', 'pr', 'flock', 'cpulimit', 'taskset', 'timeout',
  'watch', 'ionice', 'nice', 'renice', 'perf', 'bridge', 'ip', 'ethtool', 'tcpdump', 'tshark', 'whois',
  'finger', 'last', 'lastlog', 'who', 'w', 'users', 'groups', 'hostname', 'hostnamectl', 'uptime', 'free',
  'df', 'du', 'mount', 'umount', 'losetup', 'fdisk', 'mkfs', 'blkid', 'lsblk', 'shred', 'wipe', 'sqlite3',
  'mysql', 'psql', 'mongo', 'redis-cli', 'memcached', 'pdb', 'pry', 'jjs', 'jshell', 'groovy', 'scala',
  'php-cgi', 'lwp-download', 'lwp-request', 'aria2c', 'axel', 'fetch', 'gpg', 'pgrep', 'pidof', 'service',
  'update-rc.d', 'chkconfig', 'at', 'atq', 'batch', 'anacron', 'logger', 'wall', 'write', 'mesg', 'script',
  'screen', 'tmux', 'expect', 'unbuffer', 'stdbuf', 'eval', 'exec', 'source', 'export', 'alias', 'unset',
  'readelf', 'objdump', 'nm', 'ldd', 'ld', 'as', 'base58', 'basenc', 'uuencode', 'uudecode', 'cpio', 'ar',
  'rpm', 'dpkg', 'apt', 'apt-get', 'yum', 'dnf', 'apk', 'pacman', 'snap', 'zypper', 'brew', 'sysctl',
  'setcap', 'getcap', 'capsh', 'chattr', 'lsattr', 'iconv', 'cat', 'echo', 'printf', 'sleep', 'kill',
  'touch', 'mkdir', 'rmdir', 'find', 'locate', 'which', 'whereis', 'type', 'test', 'true', 'false', 'yes',
  'seq', 'sort', 'shuf', 'date', 'cal', 'bc', 'dc', 'expr', 'factor', 'time', 'tput', 'reset', 'clear',
  'cd', 'history', 'jobs', 'fg', 'bg', 'disown', 'wait', 'trap', 'shopt', 'set', 'declare', 'local',
  'readonly', 'let', 'read', 'mapfile', 'compgen', 'complete', 'hash', 'builtin', 'command', 'enable',
  'ulimit', 'umask', 'getfacl', 'setfacl', 'xdg-open', 'open', 'osascript', 'launchctl', 'defaults',
  'reboot', 'shutdown', 'halt', 'poweroff', 'init', 'telinit', 'runlevel', 'logout', 'exit',
  'adduser', 'addgroup', 'deluser', 'lastlogin', 'bcdboot', 'c89', 'c99', 'pipx', 'bsdtar', 'top', 'htop', 'aptitude', 'rmt', 'doas', 'pkexec', 'tclsh', 'wish',
];

// Names that are also common words: only with shell-looking surroundings.
export const WEAK = new Set([
  'at', 'as', 'cat', 'cd', 'cut', 'date', 'diff', 'echo', 'ed', 'ex', 'exit', 'expand', 'export', 'false',
  'fetch', 'file', 'find', 'fold', 'free', 'go', 'groups', 'hash', 'head', 'host', 'id', 'join', 'kill',
  'last', 'less', 'let', 'local', 'make', 'more', 'nice', 'open', 'paste', 'read', 'reset', 'route',
  'script', 'seq', 'service', 'set', 'sleep', 'sort', 'source', 'split', 'stat', 'tail', 'test', 'time',
  'top', 'touch', 'true', 'type', 'users', 'w', 'wait', 'watch', 'who', 'write', 'yes', 'clear', 'command',
  'column', 'comm', 'bridge', 'chef', 'puppet', 'history', 'jobs', 'fg', 'bg', 'trap', 'enable', 'which',
  'batch', 'expect', 'enable', 'defaults', 'init', 'halt', 'join', 'mount', 'strings', 'tee', 'ln', 'ss',
  'ip', 'nl', 'od', 'pr', 'tr', 'fmt', 'ar', 'nm', 'ld', 'cc', 'dc', 'bc', 'vi', 'ps', 'df', 'du', 'wc',
  'java', 'node', 'gem', 'pip', 'git', 'docker', 'php', 'perl', 'ruby', 'python', 'dig', 'finger', 'whois',
  'logger', 'wall', 'shred', 'locate', 'factor', 'expr', 'cal', 'shutdown', 'reboot', 'declare', 'printf',
  'mesg', 'screen', 'uptime', 'timeout', 'perf', 'flock', 'nano', 'ping', 'apt', 'snap', 'brew', 'mysql',
  'color', 'title', 'mode', 'label', 'tree', 'vol', 'ver', 'start', 'call', 'move', 'replace', 'format',
  'query', 'compact', 'cipher', 'choice', 'clip', 'assoc', 'md', 'rd', 'dir', 'copy', 'del', 'erase', 'ren',
  'rename', 'print', 'net', 'sc', 'reg', 'base64', 'base32', 'env', 'host', 'make', 'go', 'file', 'passwd',
]);

export const WINDOWS = [
  'cmd', 'cmd.exe', 'powershell', 'powershell.exe', 'pwsh', 'net', 'net1', 'netsh', 'reg', 'regedit',
  'sc', 'tasklist', 'taskkill', 'wmic', 'certutil', 'bitsadmin', 'mshta', 'rundll32', 'regsvr32',
  'cscript', 'wscript', 'schtasks', 'systeminfo', 'ipconfig', 'type', 'copy', 'xcopy', 'robocopy', 'del',
  'erase', 'ren', 'rename', 'attrib', 'findstr', 'icacls', 'cacls', 'takeown', 'vssadmin', 'bcdedit',
  'wevtutil', 'nltest', 'dsquery', 'csvde', 'ldifde', 'qwinsta', 'quser', 'query', 'runas', 'msiexec',
  'installutil', 'regasm', 'regsvcs', 'msbuild', 'cmstp', 'forfiles', 'pcalua', 'mavinject', 'odbcconf',
  'dir', 'md', 'rd', 'mkdir', 'rmdir', 'move', 'echo', 'set', 'start', 'call', 'shutdown', 'format',
  'diskpart', 'fsutil', 'ver', 'vol', 'label', 'tree', 'more', 'sort', 'ping', 'tracert', 'pathping',
  'nslookup', 'arp', 'route', 'netstat', 'getmac', 'hostname', 'whoami', 'gpresult', 'gpupdate', 'wusa',
  'dism', 'sfc', 'chkdsk', 'cipher', 'compact', 'expand', 'extrac32', 'makecab', 'replace', 'subst',
  'pushd', 'popd', 'cls', 'color', 'title', 'timeout', 'choice', 'clip', 'assoc', 'ftype', 'mode',
];

export const POWERSHELL = [
  'invoke-expression', 'invoke-webrequest', 'invoke-restmethod', 'invoke-command', 'invoke-item',
  'invoke-wmimethod', 'invoke-cimmethod', 'new-object', 'start-process', 'start-job', 'get-process',
  'stop-process', 'get-content', 'set-content', 'add-content', 'out-file', 'get-childitem', 'remove-item',
  'copy-item', 'move-item', 'new-item', 'get-wmiobject', 'get-ciminstance', 'set-executionpolicy',
  'add-type', 'import-module', 'get-credential', 'convertto-securestring', 'get-item', 'set-item',
  'get-itemproperty', 'set-itemproperty', 'new-itemproperty', 'get-service', 'stop-service',
  'start-service', 'set-service', 'new-service', 'get-localuser', 'new-localuser', 'add-localgroupmember',
  'get-aduser', 'get-adcomputer', 'test-connection', 'test-netconnection', 'resolve-dnsname',
  'get-netipaddress', 'get-nettcpconnection', 'compress-archive', 'expand-archive', 'write-output',
  'write-host', 'select-string', 'get-acl', 'set-acl', 'start-bitstransfer', 'get-eventlog',
  'clear-eventlog', 'get-winevent', 'get-history', 'clear-history', 'new-psdrive', 'enter-pssession',
  'new-pssession', 'register-scheduledtask', 'new-scheduledtaskaction', 'get-clipboard', 'set-clipboard',
  'downloadstring', 'downloadfile', 'frombase64string', 'encodedcommand',
];

export const POWERSHELL_ALIASES = ['iex', 'iwr', 'irm', 'icm', 'saps', 'sajb', 'gwmi', 'gcim', 'iwmi', 'sal', 'gci', 'gc', 'sc', 'ni', 'ri', 'rm', 'cpi', 'mi', 'gps', 'spps', 'kill', 'curl', 'wget', 'ls', 'cat', 'dir'];
