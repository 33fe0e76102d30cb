// The sonde language. Only compiler/parse/ sees the code ANTLR generates from this.
//
//   on PROBE [where PREDICATE] AGGREGATION [by KEY, ...] [capacity N] [ttl D] [as NAME]
//   AGGREGATION latency of SPAN [where PREDICATE] [by KEY, ...] [capacity N] [ttl D] [as NAME]
//   on PROBE [where PREDICATE] print EXPR, ...
//   print latency of SPAN [where PREDICATE] [by EXPR, ...]
//   span NAME { start PROBE [where P] key EXPR, ...; end PROBE ...; label L = EXPR, ... }
//   event NAME = PROBE [where PREDICATE]
//   alias PROBE NAME = EXPR
//   use "FILE"
//   slo "NAME" objective P% [window W]: METRIC <= BOUND [where LABELS]
//   slo "NAME" objective P% [window W]: COUNTER where LABELS | GOOD / ALL [where LABELS]
grammar Sonde;

// Separators follow the statement they end, so every decision takes one token of
// lookahead: with `(statement (sep+ statement)*)? sep*`, ANTLR looked to the end of
// each run of blank lines or comments to tell whether a statement follows (16,000
// comment lines took 3.6 s to check). That statements are separated at all is checked
// on the tree (compiler/parse/parser.cpp).
program : sep* (statement sep*)* EOF ;

sep : NEWLINE | SEMI ;

statement
  : useStmt
  | spanDef
  | eventDef
  | aliasDef
  | metricStmt
  | sloStmt
  ;

useStmt : USE STRING ;

eventDef : EVENT ident ASSIGN probeRef (WHERE cond=expr)? ;

aliasDef : ALIAS probeRef ident ASSIGN expr ;

// An objective over metrics of the program: good events / all events, from a
// histogram's bucket, a counter's labels, or two counters. Sema checks the rest.
sloStmt : SLO STRING OBJECTIVE percent (WINDOW window=NUMBER)? COLON sloIndicator ;

// 99.5% lexes as 99 . 5 %: the parser checks that they touch.
percent : whole=NUMBER (DOT fraction=NUMBER)? PERCENT ;

sloIndicator
  : metric=ident LE threshold=NUMBER (WHERE cond=expr)?    # sloBucket
  | good=ident SLASH total=ident (WHERE cond=expr)?        # sloRatio
  | metric=ident WHERE cond=expr                           # sloFiltered
  ;

spanDef : SPAN spanWord+ LBRACE sep* (spanItem sep*)* RBRACE ;

spanWord : IDENT | PARAM ;

spanItem
  : kind=(START | END) probeRef (WHERE cond=expr)? KEY keys+=expr (COMMA keys+=expr)*   # spanEndpoint
  | LABEL keyItem (COMMA keyItem)*                                     # spanLabels
  ;

metricStmt
  : ON probeRef (WHERE cond=expr)?
      (PRINT keyItem (COMMA keyItem)* | aggregation value=expr? tail)  # probeMetric
  | aggregation LATENCY OF spanRef (WHERE cond=expr)? tail            # spanMetric
  | PRINT LATENCY OF spanRef (WHERE cond=expr)? (BY keyItem (COMMA keyItem)*)?  # spanPrint
  ;

// `ttl D`: a series not updated for D is removed (docs/churn.md); `ttl 0` keeps it.
tail : (BY keyItem (COMMA keyItem)*)? (CAPACITY capacity=NUMBER)? (TTL ttl=NUMBER)? (AS ident)? ;

aggregation
  : op=(COUNT | SUM | MIN | MAX | AVG | GAUGE)
  | HISTOGRAM scheme?
  ;

// Bounds are numbers with an optional unit (1us, 4KiB); sema checks them and how many.
scheme
  : LOG2 (LPAREN signedNumber (COMMA signedNumber)* RPAREN)?   # log2Scheme
  | LINEAR LPAREN signedNumber (COMMA signedNumber)* RPAREN    # linearScheme
  | BUCKETS LPAREN signedNumber (COMMA signedNumber)* RPAREN   # explicitScheme
  ;

signedNumber : MINUS? NUMBER ;

spanRef : IDENT+ ;

// `name = expr` or `expr as name` names a label; otherwise it is named after `expr`.
keyItem
  : ident ASSIGN expr
  | expr (AS ident)?
  ;

probeRef : PROBE_SPEC | ident ;

expr
  : primary                                                # primaryExpr
  | expr DOT ident                                         # memberExpr
  | expr LBRACK expr RBRACK                                # indexExpr
  | op=(NOT | MINUS | TILDE) expr                          # unaryExpr
  | CAST expr                                              # castExpr
  | expr op=(STAR | SLASH | PERCENT) expr                  # binaryExpr
  | expr op=(PLUS | MINUS) expr                            # binaryExpr
  | expr op=(SHL | SHR) expr                               # binaryExpr
  | expr op=AMP expr                                       # binaryExpr
  | expr op=CARET expr                                     # binaryExpr
  | expr op=PIPE expr                                      # binaryExpr
  | expr op=(LT | LE | GT | GE) expr                       # binaryExpr
  | expr op=(EQ | NE) expr                                 # binaryExpr
  | expr op=AND expr                                       # binaryExpr
  | expr op=OR expr                                        # binaryExpr
  ;

primary
  : NUMBER                                                 # numberLit
  | STRING                                                 # stringLit
  | ident LPAREN (expr (COMMA expr)*)? RPAREN              # callExpr
  | ident                                                  # nameExpr
  | LPAREN expr RPAREN                                     # parenExpr
  ;

// Words that are keywords only where the grammar expects them; elsewhere they are
// names (tracepoint fields are called `count`, `start`, `key`, `label`, ...).
ident
  : IDENT | COUNT | SUM | MIN | MAX | AVG | GAUGE | HISTOGRAM | BUCKETS
  | LATENCY | OF | START | END | KEY | LABEL | SPAN | EVENT | ALIAS | USE | CAPACITY | TTL | PRINT
  | SLO | OBJECTIVE | WINDOW
  ;

ON : 'on' ;
WHERE : 'where' ;
BY : 'by' ;
AS : 'as' ;
COUNT : 'count' ;
SUM : 'sum' ;
MIN : 'min' ;
MAX : 'max' ;
AVG : 'avg' ;
GAUGE : 'gauge' ;
HISTOGRAM : 'histogram' ;
LOG2 : 'log2' ;
LINEAR : 'linear' ;
BUCKETS : 'buckets' ;
LATENCY : 'latency' ;
OF : 'of' ;
SPAN : 'span' ;
START : 'start' ;
END : 'end' ;
KEY : 'key' ;
LABEL : 'label' ;
EVENT : 'event' ;
ALIAS : 'alias' ;
USE : 'use' ;
CAPACITY : 'capacity' ;
TTL : 'ttl' ;
PRINT : 'print' ;
SLO : 'slo' ;
OBJECTIVE : 'objective' ;
WINDOW : 'window' ;

// A probe is one token: a kind, a colon, then anything up to white space. No other
// token contains `word:`, so paths (uprobe:/usr/lib/libc.so.6:malloc) and
// wildcards (tracepoint:syscalls:sys_enter_*) need no quoting.
PROBE_SPEC : [a-zA-Z_] [a-zA-Z0-9_]* ':' ~[ \t\r\n;{}#()",]+ ;

// A C-style cast, `(unsigned int)` or `(u32)`: one token, so `(pid) - 1` stays a
// parenthesized name. The parser checks the combination of words.
CAST : '(' [ \t]* CAST_WORD ([ \t]+ CAST_WORD)* [ \t]* ')' ;
fragment CAST_WORD
  : 'unsigned' | 'signed' | 'char' | 'short' | 'int' | 'long'
  | '__'? [us] ('8' | '16' | '32' | '64')
  ;

// Digits with an optional unit suffix (0x1f, 10ms, 4KiB); the parser checks the suffix.
NUMBER : [0-9] [a-zA-Z0-9_]* ;
STRING : '"' ( '\\' . | ~["\\\r\n] )* '"' ;
IDENT : [a-zA-Z_] [a-zA-Z0-9_]* ;
PARAM : '$' [a-zA-Z_] [a-zA-Z0-9_]* ;

AND : '&&' ;
OR : '||' ;
EQ : '==' ;
NE : '!=' ;
LE : '<=' ;
GE : '>=' ;
SHL : '<<' ;
SHR : '>>' ;
LT : '<' ;
GT : '>' ;
ASSIGN : '=' ;
NOT : '!' ;
TILDE : '~' ;
PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
SLASH : '/' ;
PERCENT : '%' ;
AMP : '&' ;
PIPE : '|' ;
CARET : '^' ;
DOT : '.' ;
COMMA : ',' ;
COLON : ':' ;
SEMI : ';' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACE : '{' ;
RBRACE : '}' ;
LBRACK : '[' ;
RBRACK : ']' ;

NEWLINE : '\r'? '\n' ;
COMMENT : '#' ~[\r\n]* -> skip ;
WS : [ \t]+ -> skip ;
// Anything else becomes one token the parser rejects with a located message.
ERROR_CHAR : . ;
