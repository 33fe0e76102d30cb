#include "compiler/parse/parser.h"

#include <antlr4-runtime.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>

#include "SondeLexer.h"
#include "SondeParser.h"
#include "compiler/parse/nesting.h"
#include "compiler/parse/offset_map.h"
#include "compiler/parse/syntax_errors.h"
#include "runtime/spec/aggregations.h"
#include "support/utf8.h"

namespace sonde::parse {
namespace {

using sonde_grammar::SondeLexer;
using sonde_grammar::SondeParser;
using namespace ast;

class Builder {
 public:
  Builder(uint32_t file, const OffsetMap& offsets, Diagnostics& diags)
      : file_(file), offsets_(offsets), diags_(diags) {}

  SourceRange range(antlr4::Token* start, antlr4::Token* stop) const {
    SourceRange r{file_, offsets_.byte(start->getStartIndex()), 0};
    if (stop == nullptr || stop->getType() == antlr4::Token::EOF ||
        stop->getStopIndex() < start->getStartIndex()) {
      r.end = offsets_.byte(start->getStopIndex() + 1);
      if (r.end < r.begin) r.end = r.begin;
    } else {
      r.end = offsets_.byte(stop->getStopIndex() + 1);
    }
    return r;
  }
  SourceRange range(antlr4::ParserRuleContext* ctx) const {
    return range(ctx->getStart(), ctx->getStop());
  }
  SourceRange range(antlr4::tree::TerminalNode* node) const {
    return range(node->getSymbol(), node->getSymbol());
  }

  Program program(SondeParser::ProgramContext* ctx) {
    Program p;
    if (!separated<SondeParser::StatementContext>(ctx,
                                                  "statements are separated by a newline or ';'"))
      return p;
    for (auto* s : ctx->statement()) p.statements.push_back(statement(s));
    return p;
  }

  // The grammar lets separators follow items without requiring them (so that parsing
  // needs one token of lookahead): two items of `Item` must still have one between them.
  template <typename Item>
  bool separated(antlr4::ParserRuleContext* ctx, const char* message) {
    bool after_item = false;
    for (auto* child : ctx->children) {
      if (auto* item = dynamic_cast<Item*>(child)) {
        if (after_item) {
          diags_.error(
              range(item->getStart(), item->getStart()),
              fmt::format("{}: this one starts on the same line as the one before", message),
              "put it on its own line, or after a ';'");
          return false;
        }
        after_item = true;
      } else if (dynamic_cast<SondeParser::SepContext*>(child)) {
        after_item = false;
      }
    }
    return true;
  }

 private:
  Statement statement(SondeParser::StatementContext* ctx) {
    if (auto* u = ctx->useStmt()) {
      UseStmt use;
      use.path = unquote(u->STRING());
      use.range = range(u);
      return use;
    }
    if (auto* e = ctx->eventDef()) {
      EventDef ev;
      ev.name = e->ident()->getText();
      ev.name_range = range(e->ident());
      ev.probe = probe(e->probeRef());
      if (e->cond) ev.where = expr(e->cond);
      ev.range = range(e);
      return ev;
    }
    if (auto* a = ctx->aliasDef()) {
      AliasDef alias;
      alias.probe = probe(a->probeRef());
      alias.name = a->ident()->getText();
      alias.name_range = range(a->ident());
      alias.expr = expr(a->expr());
      alias.range = range(a);
      return alias;
    }
    if (auto* s = ctx->spanDef()) return span(s);
    if (auto* o = ctx->sloStmt()) return slo(o);
    return metric(ctx->metricStmt());
  }

  SpanDef span(SondeParser::SpanDefContext* ctx) {
    SpanDef def;
    for (auto* w : ctx->spanWord()) {
      if (w->PARAM())
        def.words.push_back({w->getText().substr(1), true});
      else
        def.words.push_back({w->getText(), false});
    }
    def.name_range = range(ctx->spanWord().front()->getStart(), ctx->spanWord().back()->getStop());
    if (!separated<SondeParser::SpanItemContext>(
            ctx, "the items of a span are separated by a newline or ';'"))
      return def;
    if (ctx->spanItem().empty()) {
      diags_.error(range(ctx), "a span needs a start and an end",
                   "span NAME { start PROBE key ...; end PROBE key ... }");
    }
    for (auto* item : ctx->spanItem()) {
      if (auto* ep = dynamic_cast<SondeParser::SpanEndpointContext*>(item)) {
        SpanEndpoint endpoint;
        endpoint.probe = probe(ep->probeRef());
        if (ep->cond) endpoint.where = expr(ep->cond);
        for (auto* k : ep->keys) endpoint.keys.push_back(expr(k));
        endpoint.range = range(ep);
        (ep->kind->getType() == SondeParser::START ? def.starts : def.ends)
            .push_back(std::move(endpoint));
      } else if (auto* labels = dynamic_cast<SondeParser::SpanLabelsContext*>(item)) {
        for (auto* k : labels->keyItem()) def.labels.push_back(key(k));
      }
    }
    def.range = range(ctx);
    return def;
  }

  SloStmt slo(SondeParser::SloStmtContext* ctx) {
    SloStmt o;
    o.range = range(ctx);
    o.name = unquote(ctx->STRING());
    o.name_range = range(ctx->STRING());
    if (o.name.empty())
      diags_.error(o.name_range, "an SLO needs a name", "slo \"reads under 10ms\" ...");
    objective(ctx->percent(), o);
    if (ctx->window) window(ctx->window, o);
    auto* indicator = ctx->sloIndicator();
    if (auto* b = dynamic_cast<SondeParser::SloBucketContext*>(indicator)) {
      o.form = SloForm::kBucket;
      o.metric = b->metric->getText();
      o.metric_range = range(b->metric);
      o.threshold.range = range(b->threshold, b->threshold);
      uint64_t v = number(b->threshold, o.threshold.range);
      o.threshold.value = static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX));
      o.threshold.unit = number_unit(b->threshold->getText());
      if (b->cond) o.where = expr(b->cond);
    } else if (auto* r = dynamic_cast<SondeParser::SloRatioContext*>(indicator)) {
      o.form = SloForm::kRatio;
      o.metric = r->good->getText();
      o.metric_range = range(r->good);
      o.total = r->total->getText();
      o.total_range = range(r->total);
      if (r->cond) o.where = expr(r->cond);
    } else {
      auto* f = dynamic_cast<SondeParser::SloFilteredContext*>(indicator);
      o.form = SloForm::kFiltered;
      o.metric = f->metric->getText();
      o.metric_range = range(f->metric);
      o.where = expr(f->cond);
    }
    return o;
  }

  // `99.5%`: three tokens that must touch; the objective is below 100%.
  void objective(SondeParser::PercentContext* ctx, SloStmt& o) {
    o.objective_range = range(ctx);
    std::string text = ctx->whole->getText();
    bool touching = true;
    if (ctx->fraction) {
      touching = ctx->DOT()->getSymbol()->getStartIndex() == ctx->whole->getStopIndex() + 1 &&
                 ctx->fraction->getStartIndex() == ctx->DOT()->getSymbol()->getStopIndex() + 1;
      text += "." + ctx->fraction->getText();
    }
    antlr4::Token* last = ctx->fraction ? ctx->fraction : ctx->whole;
    touching = touching && ctx->PERCENT()->getSymbol()->getStartIndex() == last->getStopIndex() + 1;
    const auto digits = [](const std::string& t) {
      return !t.empty() && t.find_first_not_of("0123456789.") == std::string::npos;
    };
    o.objective_text = text;
    o.objective = digits(text) ? std::strtod(text.c_str(), nullptr) / 100 : -1;
    if (!touching) {
      diags_.error(o.objective_range, "an objective is written without spaces", "like 99.5%");
    } else if (!digits(text) || !(o.objective > 0 && o.objective < 1)) {
      diags_.error(o.objective_range,
                   fmt::format("an objective is a percentage above 0 and below 100, not {}%", text),
                   "write it like 99.5%: 100% would leave no error budget");
    }
    if (!touching || !(o.objective > 0 && o.objective < 1)) {
      o.objective = 0.99;
    }
  }

  // `window 30d`: a whole number of seconds, minutes, hours, days or weeks, as
  // Prometheus spells durations.
  void window(antlr4::Token* token, SloStmt& o) {
    o.window_range = range(token, token);
    const std::string text = token->getText();
    size_t digits = text.find_first_not_of("0123456789");
    uint64_t scale = 0;
    if (digits != std::string::npos && digits > 0 && digits + 1 == text.size()) {
      switch (text.back()) {
        case 's':
          scale = 1;
          break;
        case 'm':
          scale = 60;
          break;
        case 'h':
          scale = 3600;
          break;
        case 'd':
          scale = 86400;
          break;
        case 'w':
          scale = 7 * 86400;
          break;
        default:
          break;
      }
    }
    uint64_t count = scale && digits <= 9 ? std::stoull(text.substr(0, digits)) : 0;
    if (count == 0) {
      diags_.error(o.window_range,
                   fmt::format("an SLO window is a duration like 30d, not '{}'", text),
                   "a whole number of s, m, h, d or w (28d, 4w, 30d)");
      return;
    }
    o.window_seconds = count * scale;
    o.window_text = text;
  }

  MetricStmt metric(SondeParser::MetricStmtContext* ctx) {
    MetricStmt m;
    SondeParser::TailContext* tail_ctx = nullptr;
    if (auto* p = dynamic_cast<SondeParser::ProbeMetricContext*>(ctx)) {
      m.probe = probe(p->probeRef());
      if (p->cond) m.where = expr(p->cond);
      if (p->PRINT()) {
        m.print = true;
        for (auto* k : p->keyItem()) m.keys.push_back(key(k));
        m.range = range(ctx);
        return m;
      }
      m.aggregation = aggregation(p->aggregation());
      if (p->value) m.value = expr(p->value);
      tail_ctx = p->tail();
    } else if (auto* sp = dynamic_cast<SondeParser::SpanPrintContext*>(ctx)) {
      // One record per completed span: its latency (ns), then the fields after `by`.
      m.is_span = true;
      m.print = true;
      for (auto* w : sp->spanRef()->IDENT()) m.span.push_back(w->getText());
      m.span_range = range(sp->spanRef());
      if (sp->cond) m.where = expr(sp->cond);
      KeyItem latency;
      latency.label = "latency_ns";
      latency.expr = std::make_unique<Expr>();
      latency.expr->kind = ExprKind::kName;
      latency.expr->text = "latency";
      latency.expr->range = range(sp->LATENCY());
      latency.range = latency.expr->range;
      latency.label_range = latency.range;
      m.keys.push_back(std::move(latency));
      for (auto* k : sp->keyItem()) m.keys.push_back(key(k));
      m.range = range(ctx);
      return m;
    } else {
      auto* s = dynamic_cast<SondeParser::SpanMetricContext*>(ctx);
      m.is_span = true;
      m.aggregation = aggregation(s->aggregation());
      for (auto* w : s->spanRef()->IDENT()) m.span.push_back(w->getText());
      m.span_range = range(s->spanRef());
      if (s->cond) m.where = expr(s->cond);
      tail_ctx = s->tail();
    }
    for (auto* k : tail_ctx->keyItem()) m.keys.push_back(key(k));
    if (tail_ctx->capacity) {
      m.capacity_range = range(tail_ctx->capacity, tail_ctx->capacity);
      m.capacity = number(tail_ctx->capacity, m.capacity_range);
    }
    if (tail_ctx->ttl) ttl(tail_ctx->ttl, m);
    if (tail_ctx->ident()) {
      m.name = tail_ctx->ident()->getText();
      m.name_range = range(tail_ctx->ident());
    }
    // `by comm as read_bytes` names the metric (the common case in one-liners);
    // `by comm as process as bytes` renames the label too.
    if (m.name.empty() && !m.keys.empty() && m.keys.back().named_with_as) {
      m.name = m.keys.back().label;
      m.name_range = m.keys.back().label_range;
      m.keys.back().label.clear();
    }
    m.range = range(ctx);
    return m;
  }

  Aggregation aggregation(SondeParser::AggregationContext* ctx) {
    Aggregation a;
    a.range = range(ctx);
    // The grammar admits only the keywords of the table.
    if (const auto* row = spec::find_aggregation(ctx->getStart()->getText()))
      a.kind = row->aggregation;
    auto* scheme = ctx->scheme();
    if (ctx->HISTOGRAM()) a.scheme = spec::BucketScheme::kLog2;
    if (!scheme) return a;
    a.scheme_range = range(scheme);
    std::vector<SondeParser::SignedNumberContext*> numbers;
    if (auto* log2 = dynamic_cast<SondeParser::Log2SchemeContext*>(scheme)) {
      numbers = log2->signedNumber();
    } else if (auto* lin = dynamic_cast<SondeParser::LinearSchemeContext*>(scheme)) {
      a.scheme = spec::BucketScheme::kLinear;
      numbers = lin->signedNumber();
    } else if (auto* list = dynamic_cast<SondeParser::ExplicitSchemeContext*>(scheme)) {
      a.scheme = spec::BucketScheme::kExplicit;
      numbers = list->signedNumber();
    }
    for (auto* n : numbers) {
      ast::SchemeNumber number;
      number.range = range(n);
      number.value = signed_number(n);
      number.unit = number_unit(n->NUMBER()->getText());
      a.args.push_back(number);
    }
    return a;
  }

  int64_t signed_number(SondeParser::SignedNumberContext* ctx) {
    SourceRange r = range(ctx);
    uint64_t v = number(ctx->NUMBER()->getSymbol(), r);
    if (v > static_cast<uint64_t>(INT64_MAX)) {
      diags_.error(r, "number does not fit in a signed 64-bit integer");
      return 0;
    }
    return ctx->MINUS() ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  }

  uint64_t number(antlr4::Token* token, SourceRange r) {
    uint64_t v = 0;
    std::string error;
    if (!parse_number(token->getText(), v, error)) {
      diags_.error(r, fmt::format("{}: '{}'", error, token->getText()));
    }
    return v;
  }

  // `ttl 10m`: a duration, or 0 for never. Expiry is checked about once a second, so a
  // shorter one would not be what it says.
  void ttl(antlr4::Token* token, MetricStmt& m) {
    m.ttl_range = range(token, token);
    const uint64_t ns = number(token, m.ttl_range);
    if (ns != 0 && number_unit(token->getText()) != ast::NumberUnit::kDuration) {
      diags_.error(m.ttl_range, fmt::format("ttl needs a duration, not '{}'", token->getText()),
                   "write a duration such as ttl 10m or ttl 30s (ttl 0 keeps series for ever)");
      return;
    }
    if (ns != 0 && ns < 1'000'000'000) {
      diags_.error(m.ttl_range, "ttl must be at least 1s",
                   "series are checked for expiry about once a second");
      return;
    }
    m.ttl_ns = ns;
  }

  KeyItem key(SondeParser::KeyItemContext* ctx) {
    KeyItem k;
    k.range = range(ctx);
    k.expr = expr(ctx->expr());
    if (ctx->ident()) {
      k.label = ctx->ident()->getText();
      k.label_range = range(ctx->ident());
    }
    k.named_with_as = ctx->AS() != nullptr;
    return k;
  }

  ProbeRef probe(SondeParser::ProbeRefContext* ctx) {
    ProbeRef p;
    p.text = ctx->getText();
    p.is_event_name = ctx->PROBE_SPEC() == nullptr;
    p.range = range(ctx);
    return p;
  }

  ExprPtr expr(SondeParser::ExprContext* ctx) {
    auto e = std::make_unique<Expr>();
    e->range = range(ctx);
    // A chain of binary operators is a loop to ANTLR but a deep tree to everything after.
    Depth depth(depth_);
    if (depth_ > kMaxExpressionDepth) {
      if (!too_deep_) nesting_error(e->range, diags_);
      too_deep_ = true;
      return e;
    }
    if (auto* p = dynamic_cast<SondeParser::PrimaryExprContext*>(ctx)) return primary(p->primary());
    if (auto* m = dynamic_cast<SondeParser::MemberExprContext*>(ctx)) {
      e->kind = ExprKind::kMember;
      e->text = m->ident()->getText();
      e->args.push_back(expr(m->expr()));
      return e;
    }
    if (auto* i = dynamic_cast<SondeParser::IndexExprContext*>(ctx)) {
      e->kind = ExprKind::kIndex;
      e->args.push_back(expr(i->expr(0)));
      e->args.push_back(expr(i->expr(1)));
      return e;
    }
    if (auto* u = dynamic_cast<SondeParser::UnaryExprContext*>(ctx)) {
      e->kind = ExprKind::kUnary;
      e->op = u->op->getType() == SondeParser::NOT     ? Op::kNot
              : u->op->getType() == SondeParser::MINUS ? Op::kNeg
                                                       : Op::kBitNot;
      e->args.push_back(expr(u->expr()));
      return e;
    }
    if (auto* c = dynamic_cast<SondeParser::CastExprContext*>(ctx)) {
      // `(unsigned int)x` is the call `u32(x)`: one form for everything after.
      e->kind = ExprKind::kCall;
      SourceRange type_range = range(c->CAST());
      std::string error;
      e->text = cast_name(c->CAST()->getText(), error);
      if (!error.empty()) {
        diags_.error(type_range, error,
                     "casts name C integer types (int, unsigned long, ...) or u8..u64, s8..s64");
      }
      e->args.push_back(expr(c->expr()));
      return e;
    }
    auto* b = dynamic_cast<SondeParser::BinaryExprContext*>(ctx);
    e->kind = ExprKind::kBinary;
    e->op = binary_op(b->op->getType());
    e->args.push_back(expr(b->expr(0)));
    e->args.push_back(expr(b->expr(1)));
    return e;
  }

  // The words of a C-style cast, "(unsigned long)" -> "u64", as C on x86_64 (LP64,
  // plain char signed). Sets `error` for a combination C does not have.
  static std::string cast_name(const std::string& token, std::string& error) {
    std::vector<std::string> words;
    std::string word;
    for (char c : token.substr(1, token.size() - 2) + " ") {
      if (c == ' ' || c == '\t') {
        if (!word.empty()) words.push_back(std::move(word));
        word.clear();
      } else {
        word += c;
      }
    }
    std::string text = fmt::format("({})", fmt::join(words, " "));
    if (words.size() == 1) {
      std::string w = words[0].starts_with("__") ? words[0].substr(2) : words[0];
      if (w.size() >= 2 && (w[0] == 'u' || w[0] == 's') && w[1] >= '0' && w[1] <= '9') return w;
    }
    int is_unsigned = 0, is_signed = 0, chars = 0, shorts = 0, ints = 0, longs = 0;
    for (const auto& w : words) {
      int* count = w == "unsigned" ? &is_unsigned
                   : w == "signed" ? &is_signed
                   : w == "char"   ? &chars
                   : w == "short"  ? &shorts
                   : w == "int"    ? &ints
                   : w == "long"   ? &longs
                                   : nullptr;
      if (!count) {
        is_unsigned = 2;  // u32 among other words: not a C type
        continue;
      }
      ++*count;
    }
    const bool valid = is_unsigned + is_signed <= 1 && chars + shorts <= 1 && ints <= 1 &&
                       longs <= 2 && !(chars && (ints || longs)) && !(shorts && longs);
    if (!valid) {
      error = fmt::format("'{}' is not an integer type", text);
      return "s64";
    }
    const int bits = chars ? 8 : shorts ? 16 : longs ? 64 : 32;
    return fmt::format("{}{}", is_unsigned ? 'u' : 's', bits);
  }

  static Op binary_op(size_t type) {
    switch (type) {
      case SondeParser::PLUS:
        return Op::kAdd;
      case SondeParser::MINUS:
        return Op::kSub;
      case SondeParser::STAR:
        return Op::kMul;
      case SondeParser::SLASH:
        return Op::kDiv;
      case SondeParser::PERCENT:
        return Op::kMod;
      case SondeParser::SHL:
        return Op::kShl;
      case SondeParser::SHR:
        return Op::kShr;
      case SondeParser::AMP:
        return Op::kBitAnd;
      case SondeParser::PIPE:
        return Op::kBitOr;
      case SondeParser::CARET:
        return Op::kBitXor;
      case SondeParser::LT:
        return Op::kLt;
      case SondeParser::LE:
        return Op::kLe;
      case SondeParser::GT:
        return Op::kGt;
      case SondeParser::GE:
        return Op::kGe;
      case SondeParser::EQ:
        return Op::kEq;
      case SondeParser::NE:
        return Op::kNe;
      case SondeParser::AND:
        return Op::kAnd;
      default:
        return Op::kOr;
    }
  }

  ExprPtr primary(SondeParser::PrimaryContext* ctx) {
    auto e = std::make_unique<Expr>();
    e->range = range(ctx);
    if (auto* n = dynamic_cast<SondeParser::NumberLitContext*>(ctx)) {
      e->kind = ExprKind::kNumber;
      e->number = number(n->NUMBER()->getSymbol(), e->range);
    } else if (auto* s = dynamic_cast<SondeParser::StringLitContext*>(ctx)) {
      e->kind = ExprKind::kString;
      e->text = unquote(s->STRING());
    } else if (auto* c = dynamic_cast<SondeParser::CallExprContext*>(ctx)) {
      e->kind = ExprKind::kCall;
      e->text = c->ident()->getText();
      for (auto* a : c->expr()) e->args.push_back(expr(a));
    } else if (auto* n2 = dynamic_cast<SondeParser::NameExprContext*>(ctx)) {
      e->kind = ExprKind::kName;
      e->text = n2->ident()->getText();
    } else {
      auto* p = dynamic_cast<SondeParser::ParenExprContext*>(ctx);
      return expr(p->expr());
    }
    return e;
  }

  std::string unquote(antlr4::tree::TerminalNode* node) {
    std::string raw = node->getText();
    std::string out;
    for (size_t i = 1; i + 1 < raw.size(); ++i) {
      if (raw[i] != '\\' || i + 2 >= raw.size()) {
        out += raw[i];
        continue;
      }
      char c = raw[++i];
      switch (c) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case '\\':
          out += '\\';
          break;
        case '"':
          out += '"';
          break;
        case '0':
          out += '\0';
          break;
        default:
          diags_.error(range(node), fmt::format("unknown escape sequence '\\{}' in string", c),
                       "strings support \\n, \\t, \\\\, \\\" and \\0");
      }
    }
    return out;
  }

  struct Depth {
    explicit Depth(size_t& d) : depth(++d) {}
    ~Depth() { --depth; }
    size_t& depth;
  };

  uint32_t file_;
  const OffsetMap& offsets_;
  Diagnostics& diags_;
  size_t depth_ = 0;
  bool too_deep_ = false;  // said once
};

}  // namespace

Program parse(const SourceManager& sources, uint32_t file, Diagnostics& diags) {
  const SourceFile& source = sources.file(file);
  // ANTLR's input stream throws on invalid UTF-8; say where it is instead.
  if (size_t bad = first_invalid_utf8(source.text()); bad != std::string_view::npos) {
    diags.error(SourceRange{file, static_cast<uint32_t>(bad), static_cast<uint32_t>(bad + 1)},
                fmt::format("invalid UTF-8 (byte 0x{:02x})",
                            static_cast<unsigned char>(source.text()[bad])),
                "a sonde program is UTF-8 text: check the file's encoding");
    return {};
  }
  OffsetMap offsets(source.text());
  Builder builder(file, offsets, diags);

  antlr4::ANTLRInputStream input(source.text());
  SondeLexer lexer(&input);
  antlr4::CommonTokenStream tokens(&lexer);
  SondeParser parser(&tokens);
  SyntaxErrorListener listener(diags, [&](antlr4::Token* t) { return builder.range(t, t); });
  lexer.removeErrorListeners();
  parser.removeErrorListeners();

  size_t errors_before = diags.error_count();
  SondeParser::ProgramContext* tree = nullptr;
  try {
    tokens.fill();
    if (!check_nesting(
            tokens.getTokens(), [&](antlr4::Token* t) { return builder.range(t, t); }, diags))
      return {};
    // Two stages, as ANTLR advises: SLL prediction, giving up at the first error,
    // parses valid input in a fraction of the time (every run parses the whole
    // stdlib); only input it cannot parse goes through full LL, which also reports
    // the errors.
    auto* simulator = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
    simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    try {
      tree = parser.program();
    } catch (const antlr4::ParseCancellationException&) {
      tokens.seek(0);
      parser.reset();
      simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
      parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
      parser.addErrorListener(&listener);
      tree = parser.program();
    }
  } catch (const std::exception& e) {
    // ANTLR throws only for internal failures; user mistakes go through the listener.
    diags.error(SourceRange{file, 0, 0}, fmt::format("internal parser error: {}", e.what()));
    return {};
  }
  if (listener.failed()) return {};
  Program program = builder.program(tree);
  if (diags.error_count() > errors_before) return {};
  return program;
}

size_t max_lookahead(const std::string& text) {
  antlr4::ANTLRInputStream input(text);
  SondeLexer lexer(&input);
  antlr4::CommonTokenStream tokens(&lexer);
  SondeParser parser(&tokens);
  lexer.removeErrorListeners();
  parser.removeErrorListeners();
  parser.setProfile(true);
  try {
    parser.program();
  } catch (const std::exception&) {
    return SIZE_MAX;
  }
  auto* profiler = dynamic_cast<antlr4::atn::ProfilingATNSimulator*>(
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>());
  if (!profiler) return SIZE_MAX;
  long long most = 0;
  for (const auto& d : profiler->getDecisionInfo())
    most = std::max({most, d.SLL_MaxLook, d.LL_MaxLook});
  return static_cast<size_t>(most);
}

}  // namespace sonde::parse
