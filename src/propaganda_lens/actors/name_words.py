"""Word lists the actors stage reads names by: titles and the words around a name that make it a mention of
someone else, or of no actor; names that are not actors; the words that name groups and sides."""

import re

# Titles and ranks that precede a name and are not part of it.
TITLES = frozenset(
    "mr mrs ms miss dr prof prophet sir lord lady president vice prime minister chancellor secretary general gen marshal "
    "marshall field colonel col major lieutenant captain admiral commander king queen prince princess sheikh emir "
    "ayatollah imam senator sen rep congressman congresswoman governor gov mayor judge justice pope saint st former "
    "late lt maj brig sgt cpl pvt adm cmdr capt crown pm councillor councilor councilman councilwoman".split()
)
# Words of a job title after a body's name, before a person's ("House Speaker Nancy Pelosi", "Senate Majority Whip
# John Cornyn"): the body there is part of the title, not a mention.
TITLE_WORDS = TITLES | frozenset("speaker leader majority minority whip chairman chairwoman chair ranking member "
                                 "spokesman spokeswoman spokesperson director chief head candidate".split())
# Nouns after a leader's or country's name that make the name a mention of them, by the guidelines.
GOVERNING_WORDS = frozenset({"administration", "government", "regime", "campaign", "team"})
# Nouns that make a title before them part of a body's name ("Justice Department", "Justice Ministry").
BODY_NOUNS = frozenset("department ministry committee court office council service agency".split())
# A legislature's chambers, which name where a party's members sit ("Senate Republicans").
CHAMBERS = frozenset({"Senate", "House", "Congress", "Parliament", "Assembly", "Legislature", "Commons", "Lords"})
# Buildings named for the office they house, which the guidelines mark as organizations.
SEATS_OF_GOVERNMENT = frozenset({"White House", "Pentagon", "Kremlin", "Downing Street", "Élysée"})
# Events, laws and scandals that the entity recogniser takes for people or organizations (not actors).
EVENT_NAMES = frozenset(
    "Brexit Grexit Frexit Remain Leave Holocaust Watergate Russiagate Pizzagate Spygate Obamacare Trumpcare "
    "Benghazi".split()
)
# Faiths, scriptures, religious law and holidays, which the recogniser takes for organizations or people (not
# actors: the guidelines mark who acts, and no annotator marked these).
RELIGIOUS_NAMES = frozenset(
    "Islam Christianity Judaism Hinduism Buddhism Qur'an Qur’an Quran Koran Bible Torah Talmud Hadith Sunnah Sharia "
    "Shariah Ramadan Eid Christmas Easter Allah God Prophet".split()
)
# The adjective of a US party stands for its members ("most corrupt Democrat Politician", "Republican voters").
PARTY_ADJECTIVES = {"Democrat": "Democrats", "Democratic": "Democrats", "Republican": "Republicans"}
# Platforms the recogniser misses or runs into other names ("Facebook Twitter" as one person): organizations.
PLATFORMS = frozenset("Twitter Facebook YouTube Instagram Google Reddit TikTok WhatsApp LinkedIn Snapchat".split())
# "anti-Trump", "pro-Israel": the word after the hyphen names the side taken, with this polarity.
SIDE_PREFIXES = {"pro": "supports", "anti": "opposes"}
# Plural nouns that name a political camp: groups by the guidelines, also in lower case ("conservatives",
# "neocons"); "the Left" and "the Right" too.
POLITICAL_CAMPS = frozenset(
    "conservatives liberals progressives leftists left-wingers right-wingers neocons neoconservatives globalists "
    "socialists communists marxists fascists anarchists libertarians nationalists populists jihadists jihadis "
    "islamists feminists evangelicals brexiteers remainers".split()
)
CAMP_SIDES = frozenset({"Left", "Right"})
# US states' postal codes: an all-capital place the recogniser tags is one of these, or else an organization's
# acronym that it took for a place ("RT", Russia's outlet).
US_STATE_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)
# US states other than Georgia: where an article names one, its "Georgia" is the state, not the country.
US_STATE_NAMES = re.compile(
    r"\b(?:Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Hawaii|Idaho|Illinois|"
    r"Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|"
    r"Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|"
    r"Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|"
    r"West Virginia|Wisconsin|Wyoming|Atlanta)\b"
)
# The last word of a site's name: a place where things happen, not an actor ("Travis Air Force Base", "Bundy Ranch",
# "Capitol Hill"). Not for persons ("Anita Hill"), and not "Street" ("Downing Street" acts for a government).
SITE_NAME_ENDINGS = frozenset(
    "Base Ranch Castle Fence Forest Wharf Airport Hotel Bridge Square Park Stadium Hill Borough Mesa Beach Island "
    "Islands River Valley Mountain Mountains Canal".split()
)
# The last word of the name of a document, law or event, after another word: not an actor ("Mueller Report", "Armed
# Forces Day", "State Visit").
DOCUMENT_OR_EVENT_ENDINGS = frozenset(
    "Report Day Visit Attack attack Order Orders Guide Code Hunt Act Treaty Agreement Accord Deal Summit Conference".split()
)
# Lower-case words inside a person's name ("Ludwig van Beethoven", "Osama bin Laden").
NAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "bin", "ibn", "al", "el", "y", "ben"})
# A page's own links and buttons, taken for organizations ("Privacy Policy and Terms", "Email Sign").
SITE_WORDS = frozenset("privacy policy and terms of use service email e-mail sign up in subscribe newsletter cookie cookies "
                       "login log share shares comments comment contact advertise".split())
NAME_ADJECTIVE_ENDINGS = ("ian", "esque", "ean")  # "Orwellian", "Kafkaesque", "Shakespearean"
# Words after which a longer name is another body ("House" / "House of Commons", "Bank" / "Bank for …").
JOINING_WORDS = frozenset({"of", "for", "and", "&", "on", "in", "to"})
# Prepositions whose object is a place: a one-word "person" after them is a town ("near Palmyra", "at al-Tanf").
PLACE_PREPOSITIONS = frozenset({"in", "at", "near", "outside", "around", "inside", "across"})
# Numerals after a name ("Robert S. Mueller III"); "Jr." and "Sr." are not here, they tell father and son apart.
GENERATION_NUMERALS = frozenset({"ii", "iii", "iv"})
# English nicknames and the given name they stand for ("Bob Mueller" is "Robert Mueller").
NICKNAMES = {
    "bob": "robert", "bobby": "robert", "rob": "robert", "bill": "william", "billy": "william", "will": "william",
    "mike": "michael", "jim": "james", "jimmy": "james", "joe": "joseph", "tom": "thomas", "dick": "richard",
    "rick": "richard", "ted": "edward", "ed": "edward", "chuck": "charles", "charlie": "charles", "andy": "andrew",
    "tony": "anthony", "dan": "daniel", "danny": "daniel", "dave": "david", "steve": "stephen", "chris": "christopher",
    "matt": "matthew", "nick": "nicholas", "pat": "patrick", "ben": "benjamin", "sam": "samuel", "alex": "alexander",
    "liz": "elizabeth", "beth": "elizabeth", "kate": "katherine", "kathy": "kathleen", "jeff": "jeffrey",
    "greg": "gregory", "ron": "ronald", "don": "donald", "jack": "john", "johnny": "john",
    "larry": "lawrence", "jerry": "gerald", "ken": "kenneth", "tim": "timothy", "hank": "henry", "bernie": "bernard",
    "newt": "newton", "mitch": "mitchell",
}
