// Word lists of the SQL tokenizer. Token types (one character each, so a token sequence reads as a
// short "fingerprint" string, in the spirit of libinjection):
//   E statement start   U union/intersect/except   k other keyword   & logic operator   o operator
//   f SQL function call   g other call   v variable   n number   s string   b bareword
//   c comment that ends a query   m other comment   ( ) , ; . punctuation   t type name

export const STATEMENTS = new Set([
  'select', 'insert', 'update', 'delete', 'drop', 'create', 'alter', 'truncate', 'exec', 'execute',
  'declare', 'shutdown', 'grant', 'revoke', 'waitfor', 'dbcc', 'openrowset', 'opendatasource',
]);

export const UNIONS = new Set(['union', 'intersect', 'except', 'minus']);

export const LOGIC = new Set(['and', 'or', 'xor', 'not']);

export const WORD_OPERATORS = new Set([
  'like', 'ilike', 'rlike', 'regexp', 'similar', 'sounds', 'div', 'mod', 'is', 'in', 'between',
  'collate', 'escape', 'glob', 'match', 'against', 'binary', 'notnull', 'isnull', 'member', 'overlaps',
]);

export const KEYWORDS = new Set([
  'from', 'where', 'group', 'order', 'by', 'having', 'limit', 'offset', 'into', 'join', 'inner',
  'outer', 'left', 'right', 'cross', 'natural', 'on', 'as', 'case', 'when', 'then', 'else', 'end',
  'null', 'true', 'false', 'exists', 'all', 'any', 'some', 'distinct', 'top', 'procedure', 'outfile',
  'dumpfile', 'table', 'database', 'schema', 'asc', 'fetch', 'next', 'rows', 'only', 'with', 'delay',
  'time', 'unknown', 'lines', 'terminated', 'fields', 'infile', 'data', 'if', 'elsif', 'while', 'loop',
  'analyse', 'mode', 'share', 'for', 'lock', 'nowait', 'immediate', 'returning', 'using', 'dual',
  'interval', 'window', 'partition', 'over', 'straight_join', 'sql_calc_found_rows', 'high_priority',
  'temporary', 'view', 'trigger', 'function', 'index', 'column', 'add', 'modify', 'to', 'identified',
  'privileges', 'cascade', 'default', 'character', 'charset', 'uescape', 'xmltype', 'regclass',
  'merge', 'call', 'handler', 'rename', 'use', 'load', 'set', 'begin', 'commit', 'rollback', 'show',
  'describe', 'desc', 'explain', 'print', 'backup', 'restore', 'kill', 'values',
]);

export const TYPES = new Set([
  'int', 'integer', 'char', 'varchar', 'nvarchar', 'text', 'signed', 'unsigned', 'decimal', 'numeric',
  'float', 'real', 'double', 'date', 'datetime', 'bit', 'bigint', 'smallint', 'tinyint', 'boolean',
  'bool', 'bytea', 'blob', 'json', 'jsonb', 'xml', 'uuid', 'money', 'nchar', 'varbinary', 'sysname',
]);

/** Functions typical of injections (fingerprinting, timing, file access, error-based extraction). */
export const FUNCTIONS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'waitfor', 'char', 'chr', 'nchar', 'concat', 'concat_ws',
  'group_concat', 'string_agg', 'listagg', 'version', 'database', 'user', 'current_user', 'system_user',
  'session_user', 'schema', 'ascii', 'ord', 'unicode', 'substring', 'substr', 'mid', 'length', 'len',
  'count', 'cast', 'convert', 'hex', 'unhex', 'md5', 'sha1', 'sha2', 'if', 'iif', 'ifnull', 'isnull',
  'nullif', 'coalesce', 'load_file', 'extractvalue', 'updatexml', 'floor', 'rand', 'exp', 'name_const',
  'now', 'sysdate', 'make_set', 'elt', 'field', 'find_in_set', 'instr', 'locate', 'position', 'strcmp',
  'lower', 'upper', 'lcase', 'ucase', 'reverse', 'replace', 'repeat', 'space', 'lpad', 'rpad', 'trim',
  'xmltype', 'dbms_pipe', 'utl_inaddr', 'utl_http', 'xp_cmdshell', 'xp_dirtree', 'xp_regread',
  'sp_executesql', 'sp_oacreate', 'sp_password', 'sys_eval', 'sys_exec', 'randomblob', 'zeroblob',
  'json_keys', 'json_extract', 'json_build_object', 'row_to_json', 'array_agg', 'to_char', 'to_number',
  'current_database', 'current_schema', 'inet_server_addr', 'pg_read_file', 'pg_ls_dir', 'lo_import',
  'dblink', 'query_to_xml', 'database_to_xml', 'sqlite_version', 'sqlite_compileoption_get', 'typeof',
  'unistr', 'soundex', 'difference', 'quotename', 'db_name', 'user_name', 'host_name', 'suser_name',
  'is_srvrolemember', 'has_dbaccess', 'object_id', 'object_name', 'col_name', 'schema_name', 'gtid_subset',
  'polygon', 'multipoint', 'linestring', 'geometrycollection', 'st_latfromgeohash', 'exp', 'encode',
  'decode', 'aes_encrypt', 'aes_decrypt', 'compress', 'uncompress', 'bin', 'oct', 'conv', 'least',
  'greatest', 'cot', 'sin', 'cos', 'tan', 'abs', 'sign', 'round', 'ceil', 'ceiling', 'pi', 'power',
  'sqrt', 'log', 'ln', 'uuid', 'row_count', 'found_rows', 'last_insert_id', 'connection_id', 'charset',
  'collation', 'export_set', 'insert', 'quote', 'weight_string', 'procedure', 'glob', 'printf',
  'likelihood', 'unlikely', 'load_extension', 'attach', 'pragma', 'pow', 'rtrim', 'ltrim', 'atan',
  'asin', 'acos', 'sqrt', 'truncate', 'format', 'date', 'day', 'default', 'lo_get', 'date_format',
]);

/** Functions that only exist to hurt: timing, out-of-band, file and command access. */
export const DANGEROUS_FUNCTIONS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'load_file', 'extractvalue', 'updatexml', 'name_const', 'xp_cmdshell',
  'xp_dirtree', 'xp_regread', 'sp_executesql', 'sp_oacreate', 'sys_eval', 'sys_exec', 'utl_inaddr',
  'utl_http', 'dbms_pipe', 'pg_read_file', 'pg_ls_dir', 'lo_import', 'dblink', 'randomblob',
  'load_extension', 'gtid_subset', 'st_latfromgeohash', 'sqlite_compileoption_get', 'query_to_xml',
  'database_to_xml', 'is_srvrolemember', 'make_set', 'export_set', 'group_concat',
]);

/** Names of system catalogs: reading them is reconnaissance. */
export const CATALOGS = [
  'information_schema', 'mysql.user', 'mysql.db', 'sysobjects', 'syscolumns', 'sys.objects',
  'sys.tables', 'sys.columns', 'sysdatabases', 'master..', 'master.dbo', 'pg_catalog', 'pg_shadow',
  'pg_user', 'pg_database', 'pg_tables', 'pg_class', 'sqlite_master', 'sqlite_schema',
  'sqlite_temp_master', 'all_tables', 'user_tables', 'all_tab_columns', 'user_tab_columns', 'dba_users',
  'v$version', 'msysaccessobjects', 'msysobjects', 'msysqueries', 'tempdb', 'northwind', 'sys.user_objects',
  'sys.sql_logins', 'sysusers', 'syslogins', 'table_name', 'column_name', 'schema_name', 'table_schema',
  'xp_cmdshell', 'sp_configure', 'current_user', 'session_user', 'system_user', '@@version', '@@hostname',
  '@@datadir', '@@basedir', '@@servername', 'sysprocesses', 'sys.dm_', 'sysibm', 'syscat.', 'rdb$',
];

/** Names an SQL call opens with: the functions above and the standard and common built-ins of the
 *  major databases (aggregates, dates, strings), plus the `IN (` and `VALUES (` lists. A value that is
 *  nothing but one of these and an opening parenthesis (`MAX(`, `time (`, `IN (`) is a probe. */
export const CALL_NAMES = new Set([
  ...FUNCTIONS,
  'max', 'min', 'avg', 'sum', 'count', 'left', 'right', 'mod', 'in', 'values', 'exists', 'time', 'second',
  'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'date', 'timestamp', 'local', 'localtime',
  'localtimestamp', 'current_date', 'current_time', 'current_timestamp', 'utc_date', 'utc_time',
  'utc_timestamp', 'dayname', 'dayofweek', 'dayofmonth', 'dayofyear', 'monthname', 'weekday', 'yearweek',
  'weekofyear', 'datediff', 'timediff', 'date_add', 'date_sub', 'adddate', 'subdate', 'addtime',
  'subtime', 'str_to_date', 'from_unixtime', 'unix_timestamp', 'from_days', 'to_days', 'makedate',
  'maketime', 'period_add', 'period_diff', 'sec_to_time', 'time_to_sec', 'time_format', 'char_length',
  'character_length', 'octet_length', 'bit_length', 'substring_index', 'insert', 'stddev', 'variance',
  'password', 'old_password', 'encrypt', 'sha', 'crc32', 'from_base64', 'to_base64', 'inet_aton',
  'inet_ntoa', 'is_ipv4', 'is_ipv6', 'get_lock', 'release_lock', 'master_pos_wait', 'degrees',
  'radians', 'atan2', 'truncate', 'octet_length', 'regexp_replace', 'regexp_like', 'regexp_substr',
]);
